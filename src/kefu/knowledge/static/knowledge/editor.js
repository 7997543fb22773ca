// Article editor (kefu.knowledge): a live preview of the Markdown body. The server renders and
// sanitizes it (POST /knowledge/preview/, the same function that saving uses), so the preview shows
// exactly what readers will see and nothing unsafe reaches the page. A static file: the site's CSP
// allows no inline script.
(function () {
  "use strict";

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setUp(editor) {
    var source = editor.querySelector("[data-markdown-source]");
    var preview = editor.querySelector("[data-markdown-preview]");
    var refresh = editor.querySelector("[data-markdown-refresh]");
    if (!source || !preview) return;
    var form = source.form, timer = null, sent = 0;

    function render() {
      var ticket = ++sent;
      fetch(editor.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
        body: JSON.stringify({ text: source.value }),
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          // Sanitized on the server (kefu.core.html.markdown_to_html); a late answer is dropped.
          if (body && ticket === sent) preview.innerHTML = body.html;
        })
        .catch(function () {});
    }

    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 300);
    });
    if (refresh) refresh.addEventListener("click", render);
    render();
  }

  document.querySelectorAll("[data-markdown-editor]").forEach(setUp);
})();
