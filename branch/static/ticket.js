/* The printed ticket: one tap prints it, or the kiosk prints it by itself (KIOSK_AUTOPRINT).
   A kiosk browser started with --kiosk-printing prints without asking. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var ticket = document.getElementById("ticket");
  var button = document.getElementById("print-ticket");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
  if (ticket && ticket.dataset.autoprint) { window.print(); }
});
