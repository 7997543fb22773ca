/* Wallboard: draws each snapshot the server sends over /ws/wallboard/ (kefu.reports.wallboard) and
   keeps the longest waits ticking between snapshots; reconnects after a drop; full-screen button. */
(function () {
  "use strict";

  var root = document.getElementById("wallboard");
  if (!root) return;
  var status = document.getElementById("wb-status");
  var clock = document.getElementById("wb-clock");
  var since = {};

  function each(selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function waits() {
    var now = Date.now();
    each("[data-wait]", function (el) {
      var at = since[el.getAttribute("data-wait")];
      el.textContent = at ? Math.max(0, Math.round((now - at) / 1000)) + " " + root.getAttribute("data-seconds") : "—";
    });
    if (clock) clock.textContent = new Date(now).toLocaleTimeString();
  }

  function draw(board) {
    each("[data-field]", function (el) {
      var value = board[el.getAttribute("data-field")];
      el.textContent = value === null || value === undefined ? "—" : String(value);
    });
    since.oldest_call_since = board.oldest_call_since ? Date.parse(board.oldest_call_since) : null;
    since.oldest_chat_since = board.oldest_chat_since ? Date.parse(board.oldest_chat_since) : null;
    (board.figures || []).forEach(function (f) {
      var el = root.querySelector('[data-figure="' + f.code + '"]');
      if (el) el.textContent = f.text;
    });
    (board.agents || []).forEach(function (a) {
      var el = root.querySelector('[data-agents="' + a.state + '"]');
      if (el) el.textContent = String(a.count);
    });
    root.setAttribute("data-updated", board.at);
    waits();
  }

  function connect(delay) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.getAttribute("data-ws-path"));
    socket.onopen = function () {
      delay = 1000;
      status.textContent = status.getAttribute("data-live");
      status.classList.add("live");
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "snapshot") draw(data.board);
    };
    socket.onclose = function () {
      status.textContent = status.getAttribute("data-offline");
      status.classList.remove("live");
      setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    };
  }

  each("[data-wait]", function (el) {
    var at = el.getAttribute("data-since");
    since[el.getAttribute("data-wait")] = at ? Date.parse(at) : null;
  });
  each(".js-fullscreen", function (button) {
    button.addEventListener("click", function () {
      var page = document.querySelector("main.page") || document.documentElement;
      if (document.fullscreenElement) document.exitFullscreen();
      else if (page.requestFullscreen) page.requestFullscreen();
    });
  });
  setInterval(waits, 1000);
  waits();
  connect(1000);
})();
