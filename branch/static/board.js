/* The display board: polls /board/live every second (see board_pages for why polling),
   swaps in the pieces that changed, and highlights, chimes and speaks each new call.
   A failed poll keeps the board as it is, shows "reconnecting" and tries again. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  var pollMs = Number(body.dataset.pollMs || 1000);
  var lastKey = body.dataset.latest || "";
  var chime = new Audio(body.dataset.chime);
  var soundButton = document.getElementById("sound");
  var offline = document.getElementById("offline");
  var parts = ["counters", "lanes", "clock"];

  function voice() {
    if (!("speechSynthesis" in window)) { return null; }
    var lang = document.documentElement.lang;
    return window.speechSynthesis.getVoices().filter(function (v) {
      return v.lang && v.lang.toLowerCase().indexOf(lang) === 0;
    })[0] || null;
  }

  function speak(text) {
    var chosen = voice();
    if (!chosen) { return; }     // no voice for the board's language: the chime alone
    var words = new SpeechSynthesisUtterance(text);
    words.voice = chosen;
    words.lang = chosen.lang;
    words.rate = 0.9;
    window.speechSynthesis.speak(words);
  }

  function announce(latest) {
    body.dataset.announced = latest.announcement;
    var row = document.getElementById("row-" + latest.counter);
    [document.getElementById("latest"), row].forEach(function (element) {
      if (!element) { return; }
      element.classList.remove("flash");
      void element.offsetWidth;          // restart the animation
      element.classList.add("flash");
    });
    chime.currentTime = 0;
    chime.play().then(function () {
      setTimeout(function () { speak(latest.announcement); }, 1200);
    }).catch(function () {
      soundButton.hidden = false;        // the browser wants a tap before it plays sound
      speak(latest.announcement);
    });
  }

  soundButton.addEventListener("click", function () {
    chime.play().then(function () { soundButton.hidden = true; }).catch(function () {});
  });

  function apply(state) {
    parts.forEach(function (name) {
      var element = document.getElementById(name);
      if (element && state[name] !== undefined && element.innerHTML !== state[name]) {
        element.innerHTML = state[name];
      }
    });
    var key = state.latest ? state.latest.key : "";
    if (key && key !== lastKey) { announce(state.latest); }
    lastKey = key;
  }

  function poll() {
    var controller = new AbortController();
    var timeout = setTimeout(function () { controller.abort(); }, 2500);
    fetch(body.dataset.liveUrl, {cache: "no-store", signal: controller.signal})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) { offline.hidden = true; apply(state); })
      .catch(function () { offline.hidden = false; })
      .finally(function () { clearTimeout(timeout); setTimeout(poll, pollMs); });
  }
  setTimeout(poll, pollMs);
});
