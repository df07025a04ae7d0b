// Upload with a progress bar: forms marked data-upload send through XMLHttpRequest so
// the browser can report progress; without JavaScript they submit as usual.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.hidden = false;
        bar.max = e.total;
        bar.value = e.loaded;
        status.textContent = Math.round((100 * e.loaded) / e.total) + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        status.textContent = form.dataset.failed;
      });
      form.querySelector("button[type=submit]").disabled = true;
      xhr.send(new FormData(form));
    });
  });
});
