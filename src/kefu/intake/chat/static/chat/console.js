/* Kefu chat console: one websocket (ws/chat/agent/), the server renders the shell, this file the live parts. */
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var T = JSON.parse(document.getElementById("chat-i18n").textContent);
  var snapshot = JSON.parse(document.getElementById("chat-snapshot").textContent);
  var tabs = document.getElementById("chat-tabs");
  var panes = document.getElementById("chat-panes");
  var empty = document.getElementById("chat-empty");
  var template = document.getElementById("chat-pane-template");
  var chats = {}; // session id -> {tab, pane, data}
  var current = null;
  var agents = [];
  var ws = null;
  var lastPane = null; // where a phrase goes

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function send(frame) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }
  function fmt(s, key, value) { return s.replace("%(" + key + ")s", value); }

  function setStatus(status) {
    root.querySelectorAll(".status-btn").forEach(function (b) {
      b.classList.toggle("current", b.dataset.status === status);
    });
    root.dataset.status = status;
  }

  function listItem(s, buttons) {
    var li = el("li", "chat-item");
    li.dataset.session = s.id;
    var label = el("span", "", (s.name || T.visitor) + (s.phone ? " · " + s.phone : ""));
    if (s.tier) {
      var tier = el("span", "badge tier-" + s.tier.toLowerCase(), s.tier);
      tier.title = T.tier;
      label.insertBefore(tier, label.firstChild);
    }
    if (s.skill) label.appendChild(el("span", "muted small", " " + T.asks + " " + s.skill));
    li.appendChild(label);
    var box = el("span");
    buttons.forEach(function (b) {
      var btn = el("button", "btn btn-sm " + (b.cls || ""), b.label);
      btn.type = "button";
      btn.dataset.action = b.action;
      btn.addEventListener("click", function () { send({ type: b.action, session: s.id }); });
      box.appendChild(btn);
    });
    li.appendChild(box);
    return li;
  }

  function renderQueue(queue) {
    var ul = document.getElementById("chat-queue");
    ul.textContent = "";
    var waiting = queue.filter(function (s) { return s.state === "waiting"; });
    waiting.forEach(function (s) { ul.appendChild(listItem(s, [{ action: "accept", label: T.take }])); });
    document.getElementById("chat-queue-count").textContent = queue.length;
  }

  function addOffer(s) {
    removeOffer(s.id);
    document.getElementById("chat-offers").appendChild(
      listItem(s, [{ action: "accept", label: T.accept, cls: "btn-primary offer-accept" }, { action: "decline", label: T.decline }])
    );
  }
  function removeOffer(id) {
    var li = document.querySelector('#chat-offers li[data-session="' + id + '"]');
    if (li) li.remove();
  }

  function lineNode(line) {
    var li = el("li", "chat-line " + line.sender + (line.internal ? " internal" : ""));
    li.dataset.line = line.id;
    var who = line.sender === "system" ? "" : (line.name || (line.sender === "customer" ? T.customer : ""));
    if (who) li.appendChild(el("div", "who", who));
    li.appendChild(el("span", "txt", line.text));
    return li;
  }

  function fillHead(chat) {
    var d = chat.data, p = chat.pane;
    p.querySelector(".cust-name").textContent = d.name || T.visitor;
    p.querySelector(".cust-contact").textContent = [d.phone, d.email].filter(Boolean).join(" · ");
    p.querySelector(".cust-page").textContent = d.page_url || "";
    var link = p.querySelector(".ticket-link");
    if (d.ticket) { link.href = d.ticket_url; link.textContent = fmt(T.ticket, "n", d.ticket); }
    p.querySelector(".frt").textContent =
      d.first_response_seconds === null || d.first_response_seconds === undefined ? "" : fmt(T.frt, "s", Math.round(d.first_response_seconds));
    var ended = d.state === "ended" || d.state === "missed";
    chat.tab.classList.toggle("ended", ended);
    chat.tab.textContent = (d.name || T.visitor) + (ended ? " (" + T.ended + ")" : "");
    if (ended) {
      var close = el("span", "tab-close", "×");
      close.setAttribute("role", "button");
      close.setAttribute("aria-label", T.close);
      close.addEventListener("click", function (e) { e.stopPropagation(); closeChat(d.id); });
      chat.tab.appendChild(close);
    }
    p.querySelectorAll("textarea, .chat-send button, .end-chat, .transfer-form button").forEach(function (n) { n.disabled = ended; });
  }

  function fillAgents(chat) {
    var select = chat.pane.querySelector(".transfer-form select");
    select.textContent = "";
    if (!agents.length) {
      var o = el("option", "", T.nobody); o.value = ""; select.appendChild(o);
    }
    agents.forEach(function (a) {
      var o = el("option", "", a.name + " (" + a.load + "/" + a.max + ")"); o.value = a.id; select.appendChild(o);
    });
  }

  function show(id) {
    current = id;
    Object.keys(chats).forEach(function (k) {
      var c = chats[k], on = String(k) === String(id);
      c.pane.hidden = !on;
      c.tab.classList.toggle("current", on);
      c.tab.setAttribute("aria-selected", on ? "true" : "false");
      if (on) { c.tab.classList.remove("unread"); lastPane = c; }
    });
  }

  function openChat(data) {
    removeOffer(data.id);
    var chat = chats[data.id];
    if (!chat) {
      var pane = template.content.firstElementChild.cloneNode(true);
      var tab = el("button", "chat-tab");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.dataset.session = data.id;
      pane.dataset.session = data.id;
      tab.addEventListener("click", function () { show(data.id); });
      tabs.appendChild(tab);
      panes.appendChild(pane);
      chat = chats[data.id] = { tab: tab, pane: pane, data: data, typingTimer: null, sentTyping: false };
      wirePane(chat);
    }
    chat.data = Object.assign(chat.data, data);
    if (data.lines) {
      var ol = chat.pane.querySelector(".chat-lines");
      ol.textContent = "";
      data.lines.forEach(function (l) { ol.appendChild(lineNode(l)); });
      ol.scrollTop = ol.scrollHeight;
    }
    fillHead(chat);
    fillAgents(chat);
    empty.hidden = true;
    if (current === null || !chats[current]) show(data.id);
    return chat;
  }

  function closeChat(id) {
    var c = chats[id];
    if (!c) return;
    c.tab.remove(); c.pane.remove();
    delete chats[id];
    if (String(current) === String(id)) {
      current = null;
      var rest = Object.keys(chats);
      if (rest.length) show(rest[0]); else empty.hidden = false;
    }
  }

  function wirePane(chat) {
    var id = chat.data.id;
    var form = chat.pane.querySelector(".chat-send");
    var area = form.querySelector("textarea");
    function stopTyping() {
      if (chat.sentTyping) { send({ type: "typing", session: id, on: false }); chat.sentTyping = false; }
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.trim();
      if (!text) return;
      send({ type: "line", session: id, text: text });
      area.value = "";
      stopTyping();
    });
    area.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    area.addEventListener("input", function () {
      if (!chat.sentTyping) { send({ type: "typing", session: id, on: true }); chat.sentTyping = true; }
      clearTimeout(chat.typingTimer);
      chat.typingTimer = setTimeout(stopTyping, 2500);
    });
    area.addEventListener("focus", function () { lastPane = chat; });
    chat.pane.querySelector(".end-chat").addEventListener("click", function () { send({ type: "end", session: id }); });
    chat.pane.querySelector(".transfer-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var to = this.elements.to.value;
      if (!to) return;
      send({ type: "transfer", session: id, to: Number(to), note: this.elements.note.value });
      this.closest("details").open = false;
    });
  }

  function onLine(line) {
    var chat = chats[line.session];
    if (!chat) return;
    var ol = chat.pane.querySelector(".chat-lines");
    if (ol.querySelector('[data-line="' + line.id + '"]')) return;
    ol.appendChild(lineNode(line));
    ol.scrollTop = ol.scrollHeight;
    if (line.sender === "customer") chat.pane.querySelector(".chat-typing").hidden = true;
    if (String(current) !== String(line.session)) chat.tab.classList.add("unread");
  }

  function apply(msg) {
    switch (msg.type) {
      case "snapshot":
        setStatus(msg.status);
        agents = msg.agents || [];
        renderQueue(msg.queue);
        document.getElementById("chat-offers").textContent = "";
        msg.offers.forEach(addOffer);
        msg.active.forEach(openChat);
        Object.keys(chats).forEach(function (k) { fillAgents(chats[k]); });
        break;
      case "status": setStatus(msg.status); break;
      case "queue":
        renderQueue(msg.queue);
        agents = (msg.agents || []).filter(function (a) { return String(a.id) !== root.dataset.userId; });
        Object.keys(chats).forEach(function (k) { fillAgents(chats[k]); });
        break;
      case "offer": addOffer(msg); break;
      case "offer_gone": removeOffer(msg.session); break;
      case "session": openChat(msg); break;
      case "session_gone": closeChat(msg.session); break;
      case "state":
        if (chats[msg.id]) { chats[msg.id].data = Object.assign(chats[msg.id].data, msg); fillHead(chats[msg.id]); }
        break;
      case "line": onLine(msg); break;
      case "typing":
        if (chats[msg.session]) chats[msg.session].pane.querySelector(".chat-typing").hidden = !msg.on;
        break;
      case "error": window.alert(msg.message); break;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + root.dataset.wsPath);
    var state = document.getElementById("chat-connection");
    ws.onopen = function () { state.textContent = T.connected; root.dataset.connected = "1"; };
    ws.onmessage = function (e) { apply(JSON.parse(e.data)); };
    ws.onclose = function () {
      root.dataset.connected = "";
      state.textContent = T.disconnected;
      setTimeout(connect, 2000);
    };
  }

  root.querySelectorAll(".status-btn").forEach(function (b) {
    b.addEventListener("click", function () { send({ type: "status", status: b.dataset.status }); });
  });
  document.getElementById("chat-phrases").addEventListener("click", function (e) {
    var btn = e.target.closest(".phrase");
    if (!btn) return;
    var target = lastPane || (current !== null && chats[current]);
    if (!target) return;
    var area = target.pane.querySelector("textarea");
    area.value = area.value ? area.value + " " + btn.dataset.text : btn.dataset.text;
    area.focus();
  });

  apply(snapshot);
  connect();
})();
