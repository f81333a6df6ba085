/* The kiosk as touch steps: choose a lane, type the NIK on the keypad, take the number.
   Loaded in <head> without defer so <html class="js"> is set before the page is drawn;
   without JavaScript every part of the forms shows at once and works as plain forms. */
"use strict";
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var walkIn = document.getElementById("walk-in");
  var checkIn = document.getElementById("check-in");
  var choice = document.createElement("input");
  choice.type = "hidden";
  choice.name = "choice";
  walkIn.appendChild(choice);
  var IDLE_MS = 90000;
  var idleTimer = null;

  function needsChild() { return /young_child$/.test(choice.value); }

  function digits(input) { return input.value.replace(/\D/g, "").length; }

  function refreshButtons() {
    root.querySelectorAll("[data-needs]").forEach(function (button) {
      var input = document.getElementById(button.dataset.needs);
      button.disabled = digits(input) !== Number(input.dataset.digits || 16);
    });
  }

  function show(step) {
    root.dataset.step = step;
    root.querySelectorAll(".step").forEach(function (section) {
      section.classList.toggle("active", section.dataset.step === step);
    });
    walkIn.classList.toggle("hidden", step === "booking");
    checkIn.classList.toggle("hidden", step !== "booking");
    var input = root.querySelector(".step.active input[type=text]");
    if (input) { input.focus(); }
    refreshButtons();
  }

  function reset() {
    walkIn.reset();
    checkIn.reset();
    root.querySelectorAll("input[type=text]").forEach(function (input) { input.value = ""; });
    var message = document.querySelector(".message.error");
    if (message) { message.remove(); }
    choice.value = "";
    show("choose");
  }

  function touched() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(reset, IDLE_MS);   // the next person must not see this one's NIK
  }

  // The touch screen's own keyboard would cover the keypad: the keypad is the keyboard.
  root.querySelectorAll("input[data-digits]").forEach(function (input) {
    input.setAttribute("inputmode", "none");
    input.addEventListener("input", refreshButtons);
  });

  root.querySelectorAll("button[name=choice]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      choice.value = button.value;
      show("nik");
    });
  });

  root.querySelectorAll("[data-go]").forEach(function (button) {
    button.addEventListener("click", function () { show(button.dataset.go); });
  });

  // With a young child, the parent's NIK is followed by the child's.
  walkIn.querySelector("[data-step=nik] button[type=submit]").addEventListener("click",
    function (event) {
      if (needsChild()) { event.preventDefault(); show("child"); }
    });

  root.querySelectorAll(".keypad").forEach(function (pad) {
    var input = document.getElementById(pad.dataset.target);
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("button") && event.target.closest("button").dataset.key;
      if (!key) { return; }
      if (key === "clear") { input.value = ""; }
      else if (key === "back") { input.value = input.value.slice(0, -1); }
      else if (digits(input) < Number(input.dataset.digits || 16)) { input.value += key; }
      refreshButtons();
    });
  });

  document.addEventListener("pointerdown", touched);
  document.addEventListener("keydown", touched);
  touched();

  // After a refusal the server says which step to reopen, with what was typed.
  var step = root.dataset.step;
  if (root.dataset.choice && (step === "nik" || step === "child")) {
    choice.value = root.dataset.choice;
  }
  show(step || "choose");
});
