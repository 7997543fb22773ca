// Chat console tools (kefu.knowledge): phrase rules checked before a chat line is sent (a capturing
// listener on the document runs before the console's own submit handler and holds back a line with
// a forbidden phrase, showing the standard alternative), and scripts inserted with their variables
// filled for the chat's work order. The console itself is untouched.
(function () {
  "use strict";
  var panel = document.querySelector("[data-kb-chat]");
  if (!panel) return;
  var token = panel.querySelector("input[name=csrfmiddlewaretoken]").value;
  var lastArea = null;
  var timers = new WeakMap();

  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(data),
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); });
  }

  function box(form) {
    var el = form.parentNode.querySelector(".kb-chat-warnings");
    if (!el) {
      el = document.createElement("div");
      el.className = "kb-chat-warnings";
      el.setAttribute("role", "alert");
      form.parentNode.insertBefore(el, form.nextSibling);
    }
    return el;
  }

  function show(form, result, blocking) {
    var el = box(form);
    el.textContent = "";
    var hits = (result.forbidden || []).concat(result.discouraged || []);
    if (!hits.length) { el.hidden = true; return; }
    hits.forEach(function (h) {
      var p = document.createElement("p");
      var label = h.kind === "forbidden" ? panel.dataset.labelForbidden : panel.dataset.labelDiscouraged;
      p.appendChild(document.createTextNode(label + ": “" + h.found + "”"));
      if (h.alternative) {
        var alt = document.createElement("span");
        alt.className = "kb-alt";
        alt.textContent = " → " + panel.dataset.labelInstead + ": " + h.alternative;
        p.appendChild(alt);
      }
      el.appendChild(p);
    });
    if (blocking) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "btn btn-sm btn-warning kb-send-anyway";
      again.textContent = panel.dataset.labelSendAnyway;
      again.addEventListener("click", function () {
        form.dataset.kbApproved = form.querySelector("textarea").value;
        form.requestSubmit();
      });
      var note = document.createElement("p");
      note.textContent = panel.dataset.labelFix + " ";
      note.appendChild(again);
      el.appendChild(note);
    }
    el.hidden = false;
  }

  function check(form) {
    var text = form.querySelector("textarea").value;
    return post(panel.dataset.checkUrl, { text: text }).then(function (res) {
      form.dataset.kbChecked = text;
      form.dataset.kbOk = res.body.ok ? "1" : "";
      show(form, res.body, false);
      return res.body;
    });
  }

  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form.chat-send");
    if (!form || e.target.tagName !== "TEXTAREA") return;
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { check(form); }, 300));
  }, true);

  document.addEventListener("focusin", function (e) {
    if (e.target.closest && e.target.closest("form.chat-send") && e.target.tagName === "TEXTAREA") lastArea = e.target;
  }, true);

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.chat-send")) return;
    var text = form.querySelector("textarea").value;
    if (!text.trim() || form.dataset.kbApproved === text) return;
    if (form.dataset.kbChecked === text && form.dataset.kbOk === "1") return;
    e.preventDefault();
    e.stopImmediatePropagation();
    check(form).then(function (result) {
      if (result.ok) { form.dataset.kbApproved = text; form.requestSubmit(); }
      else show(form, result, true);
    });
  }, true);

  panel.querySelector(".kb-insert-script").addEventListener("click", function () {
    var id = panel.querySelector(".kb-script-select").value;
    var area = lastArea || document.querySelector(".chat-pane:not([hidden]) form.chat-send textarea");
    if (!id || !area) return;
    var link = area.closest(".chat-pane").querySelector(".ticket-link");
    var m = link && link.getAttribute("href") && link.getAttribute("href").match(/\/tickets\/([^/]+)\/?$/);
    var url = panel.dataset.fillUrl.replace(/\/0\/fill\/$/, "/" + id + "/fill/");
    post(url, { ticket: m ? decodeURIComponent(m[1]) : "" }).then(function (res) {
      if (!res.ok) { if (res.body && res.body.message) window.alert(res.body.message); return; }
      area.value = area.value ? area.value + " " + res.body.text : res.body.text;
      area.focus();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
