// The articles' rich-text editor (Quill, vendored). Progressive: the page is a form with a
// <textarea data-rich-text> of HTML, which works without JavaScript; here the textarea is hidden
// and an editor takes its place, writing its HTML back into it when the form is sent. Pictures
// go to the upload URL (re-encoded on the server) and come back as our own media URL; the server
// cleans the HTML again when it saves, whatever this script sends.
(function () {
  "use strict";

  function uploadPicture(file, form, url) {
    var data = new FormData();
    data.append("picture", file);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok || !answer.url) throw new Error(answer.message || response.statusText);
        return answer.url;
      });
    });
  }

  function semanticHtml(quill) {
    // Quill 2.0.3 writes every space as &nbsp; here, which would stop lines from wrapping.
    var html = quill.getSemanticHTML().replace(/&nbsp;/g, " ");
    return html === "<p></p>" ? "" : html;
  }

  function enhance(textarea) {
    var form = textarea.form;
    var uploadUrl = textarea.dataset.uploadUrl;
    var status = document.createElement("p");
    status.className = "editor-status muted";
    status.setAttribute("role", "status");
    var host = document.createElement("div");
    host.className = "editor-host";
    // Outside the field's <label>: a click inside a label is forwarded to its first control,
    // which would be the toolbar's first button — every click in the text would toggle it.
    var label = textarea.closest("label") || textarea;
    label.after(host, status);
    textarea.hidden = true;

    var quill = new Quill(host, {
      theme: "snow",
      // Only what the server keeps (core/html.py): anything else would vanish on saving.
      formats: ["header", "bold", "italic", "underline", "link", "list", "blockquote", "image"],
      modules: {
        toolbar: {
          container: [
            [{ header: 2 }, { header: 3 }],
            ["bold", "italic", "underline"],
            [{ list: "ordered" }, { list: "bullet" }, "blockquote"],
            ["link", "image"],
            ["clean"],
          ],
          handlers: {
            image: function () {
              var input = document.createElement("input");
              input.type = "file";
              input.accept = "image/jpeg,image/png,image/webp";
              input.addEventListener("change", function () {
                if (input.files.length) insertPictures(Array.prototype.slice.call(input.files));
              });
              input.click();
            },
          },
        },
        // Pictures dropped or pasted as files go through the same upload.
        uploader: { handler: function (range, files) { insertPictures(files, range); } },
      },
    });
    quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
    var name = label.querySelector(".field-label");
    if (name) quill.root.setAttribute("aria-label", name.textContent);

    function insertPictures(files, range) {
      var at = (range || quill.getSelection(true) || { index: quill.getLength() }).index;
      status.textContent = textarea.dataset.uploading || "…";
      files.reduce(function (done, file) {
        return done.then(function () {
          return uploadPicture(file, form, uploadUrl).then(function (url) {
            quill.insertEmbed(at, "image", url, "user");
            at += 1;
          });
        });
      }, Promise.resolve()).then(function () {
        status.textContent = "";
      }, function (error) {
        status.textContent = error.message;
      });
    }

    var preview = document.querySelector("[data-phone-preview]");
    function refreshPreview() {
      if (preview) preview.innerHTML = semanticHtml(quill);
    }
    quill.on("text-change", function () {
      textarea.value = semanticHtml(quill);
      refreshPreview();
    });
    form.addEventListener("submit", function () { textarea.value = semanticHtml(quill); });
    var title = form.querySelector("input[name=title]");
    var shownTitle = document.querySelector(".phone-title");
    if (title && shownTitle) {
      title.addEventListener("input", function () { shownTitle.textContent = title.value; });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Quill === "undefined") return; // the textarea stays: HTML by hand
    document.querySelectorAll("textarea[data-rich-text]").forEach(enhance);
  });
})();
