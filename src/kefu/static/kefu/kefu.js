/* Kefu pages: real-time notifications (toast + counter) and a few small helpers. No framework. */
(function () {
  "use strict";

  var body = document.body;

  function counter() {
    return document.getElementById("notify-count");
  }

  function bump() {
    var el = counter();
    if (!el) return;
    var n = (parseInt(el.getAttribute("data-count") || el.textContent, 10) || 0) + 1;
    el.setAttribute("data-count", String(n));
    el.textContent = String(n);
    el.classList.remove("zero");
    el.classList.remove("bump");
    void el.offsetWidth; // restart the animation
    el.classList.add("bump");
  }

  function toast(data) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast";
    item.setAttribute("role", "status");
    var title = document.createElement("div");
    title.className = "t-title";
    title.textContent = data.title || body.getAttribute("data-toast-title") || "";
    item.appendChild(title);
    if (data.body) {
      var text = document.createElement("div");
      text.className = "t-body";
      text.textContent = data.body.length > 160 ? data.body.slice(0, 160) + "…" : data.body;
      item.appendChild(text);
    }
    if (data.ticket) {
      var link = document.createElement("a");
      link.href = (body.getAttribute("data-ticket-url") || "/tickets/") + encodeURIComponent(data.ticket) + "/";
      link.textContent = (body.getAttribute("data-toast-open") || "Open") + " " + data.ticket;
      item.appendChild(link);
    }
    box.appendChild(item);
    setTimeout(function () {
      item.remove();
    }, 8000);
  }

  // One socket per page, reconnecting with a growing pause; a server without websockets just stays quiet.
  function connect(path, delay) {
    if (!("WebSocket" in window)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + path);
    } catch (e) {
      return;
    }
    var opened = false;
    socket.onopen = function () {
      opened = true;
    };
    socket.onmessage = function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (data.kind !== "screen_pop") {
        // a screen pop is no notification: callcenter/screenpop.js draws it
        bump();
        toast(data);
      }
      document.dispatchEvent(new CustomEvent("kefu:notification", { detail: data }));
    };
    socket.onclose = function () {
      var next = opened ? 2000 : Math.min(delay * 2, 120000);
      setTimeout(function () {
        connect(path, next);
      }, next);
    };
  }

  var wsPath = body.getAttribute("data-ws-path");
  if (wsPath) connect(wsPath, 2000);

  document.addEventListener("click", function (event) {
    // “Use this name” on the customer card fills the capture form.
    var fill = event.target.closest("[data-fill]");
    if (fill) {
      var input = document.getElementById(fill.getAttribute("data-fill"));
      if (input) {
        input.value = fill.getAttribute("data-value") || "";
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    // Buttons whose transition needs a note: ask for it before the round trip.
    var button = event.target.closest("button[data-note-required]");
    if (button && button.form) {
      var note = button.form.querySelector("textarea[name=note]");
      if (note && !note.value.trim()) {
        event.preventDefault();
        note.focus();
        note.closest(".field").classList.add("has-error");
      }
    }
  });
})();

// A form with data-confirm asks before it is sent (merging or anonymising a customer cannot be undone);
// a handler here rather than onsubmit="…", which the content security policy blocks.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
