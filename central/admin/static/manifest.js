// The pilgrim-list upload with a progress bar: the bytes sent, then "checking and
// importing" until the server answers. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("manifest-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) {
    return;
  }
  var bar = document.getElementById("manifest-progress");
  var note = document.getElementById("manifest-progress-note");
  var button = form.querySelector("button[type=submit]");

  function show(text, value, max) {
    bar.classList.remove("hidden");
    if (value === undefined) {
      bar.removeAttribute("value");       // indeterminate: the server is working
    } else {
      bar.max = max;
      bar.value = value;
    }
    note.textContent = text;
  }

  function replacePage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.body.replaceWith(page.body);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round(100 * e.loaded / e.total);
        show(form.dataset.uploading + " " + percent + "%", e.loaded, e.total);
      }
    });
    xhr.upload.addEventListener("load", function () { show(form.dataset.processing); });
    xhr.addEventListener("load", function () {
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);    // the import's result page
      } else {
        replacePage(xhr.responseText);              // the refusal, as a page
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      show(form.dataset.failed, 0, 1);
    });
    button.disabled = true;
    show(form.dataset.uploading + " 0%", 0, 1);
    xhr.send(new FormData(form));
  });
})();
