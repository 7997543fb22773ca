// Reply tools (kefu.knowledge): insert a script with its variables filled, check phrase rules while
// typing and once more before sending (a forbidden phrase stops the first click, with the standard
// alternative shown), and insert suggested answers. Works on any [data-kb-tools] panel placed inside
// a form next to its textarea (data-target).
(function () {
  "use strict";

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function post(url, data, form) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
      body: JSON.stringify(data),
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  function insertAt(area, text) {
    var start = area.selectionStart != null ? area.selectionStart : area.value.length;
    var end = area.selectionEnd != null ? area.selectionEnd : area.value.length;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setup(panel) {
    var form = panel.closest("form") || document;
    var area = form.querySelector(panel.dataset.target) || document.querySelector(panel.dataset.target);
    if (!area) return;
    var box = panel.querySelector(".kb-warnings");
    var last = null, timer = null, confirmed = false;

    function fill(id) {
      var url = panel.dataset.fillUrl.replace(/\/0\/fill\/$/, "/" + id + "/fill/");
      return post(url, { ticket: panel.dataset.ticket }, form).then(function (res) {
        if (res.ok) insertAt(area, res.body.text);
        else if (res.body && res.body.message) window.alert(res.body.message);
      });
    }

    function show(result, blocking) {
      box.textContent = "";
      var hits = (result.forbidden || []).concat(result.discouraged || []);
      if (!hits.length) { box.hidden = true; return; }
      hits.forEach(function (h) {
        var p = document.createElement("p");
        p.className = "kb-hit kb-" + h.kind;
        var label = h.kind === "forbidden" ? panel.dataset.labelForbidden : panel.dataset.labelDiscouraged;
        p.appendChild(document.createTextNode(label + ": “" + h.found + "”"));
        if (h.alternative) {
          var alt = document.createElement("span");
          alt.className = "kb-alt";
          alt.textContent = " → " + panel.dataset.labelInstead + ": " + h.alternative;
          p.appendChild(alt);
        }
        box.appendChild(p);
      });
      if (blocking) {
        var note = document.createElement("p");
        note.textContent = panel.dataset.labelFix + " ";
        var again = document.createElement("button");
        again.type = "button";
        again.className = "btn btn-sm btn-warning kb-send-anyway";
        again.textContent = panel.dataset.labelSendAnyway;
        again.addEventListener("click", function () { confirmed = true; submit(); });
        note.appendChild(again);
        box.appendChild(note);
      }
      box.hidden = false;
    }

    function check() {
      var text = area.value;
      return post(panel.dataset.checkUrl, { text: text }, form).then(function (res) {
        last = { text: text, result: res.body };
        show(res.body, false);
        return res.body;
      });
    }

    function submit() {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }

    area.addEventListener("input", function () {
      confirmed = false;
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });

    if (form.tagName === "FORM") {
      form.addEventListener("submit", function (event) {
        if (confirmed) return;
        if (last && last.text === area.value) {
          if (last.result.ok) return;
          event.preventDefault();
          show(last.result, true);
          return;
        }
        event.preventDefault();
        check().then(function (result) {
          if (result.ok) { confirmed = true; submit(); } else show(result, true);
        });
      });
    }

    var select = panel.querySelector(".kb-script-select");
    var button = panel.querySelector(".kb-insert-script");
    if (button) button.addEventListener("click", function () { if (select.value) fill(select.value); });
    panel.querySelectorAll(".kb-insert-script-id").forEach(function (b) {
      b.addEventListener("click", function () { fill(b.dataset.script); });
    });
    panel.querySelectorAll(".kb-insert-text").forEach(function (b) {
      b.addEventListener("click", function () { insertAt(area, b.dataset.text); });
    });
  }

  function init() { document.querySelectorAll("[data-kb-tools]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
