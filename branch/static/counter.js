/* The counter console keeps itself current: every few seconds it asks /counter/live for the
   waiting counts, the next numbers, this counter's own ticket and the sync banner, and
   swaps in what changed. Actions stay plain forms (with the page's CSRF token). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var consoleBox = document.getElementById("console");
  if (!consoleBox) { return; }
  var pollMs = Number(consoleBox.dataset.pollMs || 3000);
  var current = document.getElementById("current");
  var queue = document.getElementById("queue");
  var banner = document.getElementById("banner");
  var offline = document.getElementById("offline");
  var shownKey = current.dataset.key || "";

  function setBanner(text) {
    var shown = banner.textContent.trim();
    if ((text || "") === shown) { return; }
    banner.textContent = "";
    if (text) {
      var box = document.createElement("div");
      box.className = "banner";
      box.setAttribute("role", "status");
      box.textContent = text;
      banner.appendChild(box);
    }
  }

  function apply(state) {
    if (queue.innerHTML !== state.queue) { queue.innerHTML = state.queue; }
    // The ticket card holds forms: replace it only when this counter's ticket changed.
    if (state.current_key !== shownKey) { current.innerHTML = state.current; }
    shownKey = state.current_key;
    setBanner(state.banner);
  }

  function poll() {
    fetch(consoleBox.dataset.liveUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) { offline.hidden = true; apply(state); })
      .catch(function () { offline.hidden = false; })
      .finally(function () { setTimeout(poll, pollMs); });
  }
  poll();
});
