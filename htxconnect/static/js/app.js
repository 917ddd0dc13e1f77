/* HTX Connect: the little JavaScript every signed-in page needs (CSP allows only our own files).
 * htmx requests that change data carry Django's CSRF token, read from <meta name="csrf-token">. */
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var method = (event.detail.verb || "get").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });
  // A failed htmx request should not fail silently: show a Vietnamese notice at the top.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("htmx-error");
    if (!box) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    box.textContent = status === 403
      ? "Bạn không có quyền thực hiện thao tác này."
      : "Không tải được dữ liệu (mã lỗi " + status + "). Vui lòng tải lại trang.";
    box.classList.remove("d-none");
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("htmx-error");
    if (!box) { return; }
    box.textContent = "Mất kết nối tới máy chủ. Vui lòng kiểm tra mạng và thử lại.";
    box.classList.remove("d-none");
  });
})();
