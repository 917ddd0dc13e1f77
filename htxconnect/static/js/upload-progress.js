/* Upload progress for forms marked data-upload-progress: the file is sent with XMLHttpRequest so the
 * page can show how much has gone from the first second (a 10 MB workbook on a rural connection takes
 * a while), then follows the server's answer as a normal submission would. Without JavaScript the
 * form submits as usual. */
(function () {
  "use strict";
  function bind(form) {
    var bar = form.querySelector("progress[data-upload-bar]");
    var label = form.querySelector("[data-upload-label]");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      if (bar) { bar.hidden = false; bar.removeAttribute("value"); }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable || !bar) { return; }
        bar.max = e.total;
        bar.value = e.loaded;
        if (label) { label.textContent = "Đang tải lên… " + Math.round(100 * e.loaded / e.total) + "%"; }
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== window.location.href && xhr.status < 400) {
          window.location.assign(xhr.responseURL);  // redirected to the job page
          return;
        }
        document.open();
        document.write(xhr.responseText);  // the form again, with its error message
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (label) { label.textContent = "Mất kết nối khi tải lên. Kiểm tra mạng rồi bấm lại."; }
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      });
      if (label) { label.textContent = "Đang tải lên…"; }
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload-progress]").forEach(bind);
})();
