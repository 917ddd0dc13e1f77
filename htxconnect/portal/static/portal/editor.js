// A small toolbar over the HTML textarea of the portal's editor (articles, model-cooperative pages):
// headings, bold, italic, lists, quotes, links and pictures. Pictures are sent to the upload
// endpoint (data-upload-url), which checks and re-encodes them, and are inserted as <figure>.
// No inline script or style (CSP script-src/style-src 'self'); without JavaScript the textarea works
// as before. What is typed stays in the textarea: the server sanitises it on save (nh3).
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function escapeAttr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function insert(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var selected = area.value.slice(start, end) || placeholder || "";
    area.setRangeText(before + selected + (after || ""), start, end, "end");
    if (!area.value.slice(start, end) && placeholder) {  // select the placeholder to type over it
      area.setSelectionRange(start + before.length, start + before.length + selected.length);
    }
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var ACTIONS = [
    { label: "Tiêu đề", title: "Tiêu đề mục (H2)", icon: "bi-type-h2", run: function (a) { insert(a, "<h2>", "</h2>\n", "Tiêu đề"); } },
    { label: "Đậm", title: "Chữ đậm", icon: "bi-type-bold", run: function (a) { insert(a, "<strong>", "</strong>", "chữ đậm"); } },
    { label: "Nghiêng", title: "Chữ nghiêng", icon: "bi-type-italic", run: function (a) { insert(a, "<em>", "</em>", "chữ nghiêng"); } },
    { label: "Đoạn", title: "Đoạn văn", icon: "bi-paragraph", run: function (a) { insert(a, "<p>", "</p>\n", "Đoạn văn"); } },
    { label: "Danh sách", title: "Danh sách gạch đầu dòng", icon: "bi-list-ul", run: function (a) { insert(a, "<ul>\n  <li>", "</li>\n</ul>\n", "mục"); } },
    { label: "Trích dẫn", title: "Trích dẫn", icon: "bi-quote", run: function (a) { insert(a, "<blockquote>", "</blockquote>\n", "trích dẫn"); } }
  ];

  function button(action, area) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-outline-secondary btn-sm";
    b.title = action.title;
    var i = document.createElement("i");
    i.className = "bi " + action.icon;
    i.setAttribute("aria-hidden", "true");
    b.appendChild(i);
    b.appendChild(document.createTextNode(" " + action.label));
    b.addEventListener("click", function () { action.run(area); });
    return b;
  }

  function linkTools(area) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-outline-secondary btn-sm";
    b.innerHTML = '<i class="bi bi-link-45deg" aria-hidden="true"></i> Liên kết';
    b.addEventListener("click", function () {
      var url = window.prompt("Địa chỉ liên kết (https://…)", "https://");
      if (!url || url === "https://") { return; }
      insert(area, '<a href="' + escapeAttr(url) + '">', "</a>", "chữ liên kết");
    });
    return b;
  }

  function imageTools(area, id) {
    var box = document.createElement("div");
    box.className = "editor-image d-flex flex-wrap align-items-end gap-2 mt-2";
    var fileId = id + "-image", altId = id + "-image-alt", statusId = id + "-image-status";
    box.innerHTML =
      '<div><label class="form-label small mb-0" for="' + fileId + '">Ảnh chèn vào bài</label>' +
      '<input class="form-control form-control-sm" type="file" id="' + fileId + '" accept="image/jpeg,image/png,image/webp"></div>' +
      '<div><label class="form-label small mb-0" for="' + altId + '">Mô tả ảnh (cho người không xem được ảnh)</label>' +
      '<input class="form-control form-control-sm" type="text" id="' + altId + '" maxlength="200"></div>' +
      '<button type="button" class="btn btn-outline-primary btn-sm"><i class="bi bi-image" aria-hidden="true"></i> Chèn ảnh</button>' +
      '<div class="w-100 small" id="' + statusId + '" role="status" aria-live="polite"></div>';
    var file = box.querySelector("input[type=file]"), alt = box.querySelector("input[type=text]");
    var status = box.querySelector("[role=status]"), go = box.querySelector("button");
    go.addEventListener("click", function () {
      status.className = "w-100 small";
      if (!file.files.length) { status.classList.add("text-danger"); status.textContent = "Ảnh chèn vào bài: chưa chọn tệp ảnh."; return; }
      var body = new FormData();
      body.append("image", file.files[0]);
      go.disabled = true;
      status.textContent = "Đang tải ảnh lên…";
      fetch(area.getAttribute("data-upload-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(area.form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (r) {
        if (!r.ok) { throw new Error(r.data.error || "Không tải được ảnh."); }
        var description = alt.value.trim();
        insert(area, '<figure><img src="' + escapeAttr(r.data.url) + '" alt="' + escapeAttr(description) + '">' +
               (description ? "<figcaption>" + escapeAttr(description) + "</figcaption>" : "") + "</figure>\n", "", "");
        status.classList.add("text-success");
        status.textContent = "Đã chèn ảnh vào nội dung.";
        file.value = ""; alt.value = "";
      }).catch(function (error) {
        status.classList.add("text-danger");
        status.textContent = error.message || "Không tải được ảnh.";
      }).then(function () { go.disabled = false; });
    });
    return box;
  }

  function setUp(area) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar btn-toolbar gap-1 mb-1";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Định dạng nội dung");
    bar.setAttribute("aria-controls", area.id);
    ACTIONS.forEach(function (action) { bar.appendChild(button(action, area)); });
    bar.appendChild(linkTools(area));
    area.parentNode.insertBefore(bar, area);
    if (area.getAttribute("data-upload-url")) {
      area.parentNode.insertBefore(imageTools(area, area.id), area.nextSibling);
    }
  }

  function init() { document.querySelectorAll("textarea[data-editor=html]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
