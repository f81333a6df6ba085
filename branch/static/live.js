/* Parts of a page that keep themselves current: an element with data-live-url is replaced
   by what that address answers (HTML rendered by the server) every data-live-seconds.
   A failed fetch keeps what is shown and tries again at the next turn. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-live-url]").forEach(function (element) {
    var seconds = Number(element.dataset.liveSeconds || 10);
    function refresh() {
      fetch(element.dataset.liveUrl, {credentials: "same-origin", cache: "no-store"})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && html !== element.innerHTML) { element.innerHTML = html; }
        })
        .catch(function () { /* a network blip: the next turn tries again */ })
        .finally(function () { setTimeout(refresh, seconds * 1000); });
    }
    setTimeout(refresh, seconds * 1000);
  });
  var print = document.getElementById("print-summary");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
});
