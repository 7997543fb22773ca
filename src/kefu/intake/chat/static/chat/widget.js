/*
 * Kefu live-chat widget. Embed on any page with one tag:
 *   <script src="https://kefu.example.com/static/chat/widget.js" data-kefu-url="https://kefu.example.com"
 *           data-lang="en" data-skill="billing" async></script>
 * data-kefu-url defaults to the origin the script came from; data-lang is "zh-hans" (default) or "en".
 * Self-contained: no dependencies, its own styles inside a shadow root so the host page is untouched.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-kefu-url], script[src*='chat/widget.js']");
  if (!script || window.__kefuChat) return;
  window.__kefuChat = true;
  var base = (script.getAttribute("data-kefu-url") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var lang = (script.getAttribute("data-lang") || "zh-hans").toLowerCase().indexOf("en") === 0 ? "en" : "zh-hans";
  var skill = script.getAttribute("data-skill") || "";
  var STORE = "kefu-chat-token";

  var TEXT = {
    "zh-hans": {
      open: "在线客服", title: "在线客服", close: "关闭", name: "您的称呼", phone: "手机号（选填）",
      start: "开始咨询", placeholder: "请输入消息，回车发送", send: "发送", end: "结束对话",
      typing: "客服正在输入…", leaveTitle: "留言", leaveText: "请留下您的问题", leavePhone: "联系电话",
      leaveSend: "提交留言", ended: "对话已结束。", again: "重新咨询", you: "我", agent: "客服",
      connecting: "正在连接…", offline: "连接已断开，正在重连…", ticket: "工单号：",
      nameRequired: "请填写您的称呼", surveyChoose: "请选择一项评价", surveyThanks: "感谢您的评价！"
    },
    en: {
      open: "Chat with us", title: "Live chat", close: "Close", name: "Your name", phone: "Mobile (optional)",
      start: "Start chat", placeholder: "Type a message, Enter to send", send: "Send", end: "End chat",
      typing: "The agent is typing…", leaveTitle: "Leave a message", leaveText: "Tell us how we can help",
      leavePhone: "Phone", leaveSend: "Send message", ended: "The chat has ended.", again: "New chat",
      you: "Me", agent: "Agent", connecting: "Connecting…", offline: "Disconnected, reconnecting…",
      ticket: "Work order: ", nameRequired: "Please tell us your name", surveyChoose: "Please choose a rating",
      surveyThanks: "Thank you for your rating!"
    }
  }[lang];

  var CSS =
    ":host{all:initial}*{box-sizing:border-box;font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif;font-size:14px}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#1d63c9;color:#fff;border:none;border-radius:22px;padding:11px 18px;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.25)}" +
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:340px;max-width:calc(100vw - 20px);height:480px;max-height:calc(100vh - 40px);background:#fff;border:1px solid #d0d7e0;border-radius:8px;box-shadow:0 4px 24px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}" +
    ".head{background:#1d63c9;color:#fff;padding:10px 12px;display:flex;justify-content:space-between;align-items:center}" +
    ".head button{background:none;border:none;color:#fff;cursor:pointer;font-size:18px;line-height:1}" +
    ".body{flex:1;overflow-y:auto;padding:10px;background:#f6f8fa}" +
    "form{display:flex;flex-direction:column;gap:8px}input,textarea{border:1px solid #c4ccd6;border-radius:4px;padding:7px;width:100%}" +
    ".btn{background:#1d63c9;color:#fff;border:none;border-radius:4px;padding:8px 12px;cursor:pointer}.btn.ghost{background:#fff;color:#1d63c9;border:1px solid #1d63c9}" +
    ".lines{list-style:none;margin:0;padding:0}.line{margin:6px 0;max-width:85%}.line .who{font-size:12px;color:#66727f}" +
    ".line .txt{display:inline-block;padding:6px 9px;border-radius:8px;background:#fff;border:1px solid #dde2e9;white-space:pre-wrap;word-break:break-word}" +
    ".line.customer{margin-left:auto;text-align:right}.line.customer .txt{background:#e8f0fc;border-color:#c9dbf6}" +
    ".line.system{max-width:100%;text-align:center}.line.system .txt{background:none;border:none;color:#66727f;font-size:13px}" +
    ".typing{color:#66727f;font-size:12px;min-height:16px;padding:0 10px}.compose{display:flex;flex-direction:row;gap:6px;padding:8px;border-top:1px solid #dde2e9}" +
    ".compose textarea{height:40px;resize:none;flex:1}.compose .btn{flex:none}.foot{display:flex;justify-content:space-between;padding:0 8px 8px;gap:6px}" +
    ".leave{margin-top:10px;padding:10px;background:#fff;border:1px solid #dde2e9;border-radius:6px}.leave h3{margin:0 0 6px;font-size:14px}" +
    ".survey{margin-top:10px;padding:10px;background:#fff;border:1px solid #dde2e9;border-radius:6px}.survey h3{margin:0 0 8px;font-size:14px}" +
    ".survey .choices{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:8px}.survey .choice[aria-pressed=true]{background:#1d63c9;color:#fff}" +
    ".survey textarea{height:52px;resize:none;margin-bottom:8px}.survey .thanks{color:#1d7a3a}" +
    ".error{color:#c0262d;font-size:13px}.status{color:#66727f;font-size:12px;padding:2px 10px}[hidden]{display:none!important}";

  var host = document.createElement("div");
  host.id = "kefu-chat";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet rather than a <style> element: a host page whose Content-Security-Policy
  // forbids inline styles (Kefu's own pages do) still styles the widget (docs/chat.md).
  var sheet = null;
  try {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    sheet = null;
  }
  root.innerHTML =
    (sheet ? "" : "<style>" + CSS + "</style>") +
    '<button class="launcher kefu-chat-launcher" type="button"></button>' +
    '<div class="panel kefu-chat-panel" hidden role="dialog">' +
    '<div class="head"><strong class="title"></strong><button type="button" class="close" aria-label=""></button></div>' +
    '<div class="status kefu-chat-status" hidden></div>' +
    '<div class="body">' +
    '<form class="kefu-chat-prechat"><input name="name" maxlength="100" autocomplete="name"><input name="phone" maxlength="30" autocomplete="tel" inputmode="tel"><div class="error" hidden></div><button class="btn" type="submit"></button></form>' +
    '<ol class="lines kefu-chat-lines" hidden aria-live="polite"></ol>' +
    '<div class="leave kefu-chat-leave" hidden><h3></h3><form><textarea name="text" rows="3" maxlength="2000"></textarea><input name="phone" maxlength="30" inputmode="tel"><div class="error" hidden></div><button class="btn" type="submit"></button></form></div>' +
    '<div class="kefu-chat-ticket" hidden></div>' +
    '<div class="survey kefu-chat-survey" hidden><h3></h3><div class="choices"></div><textarea name="comment" maxlength="1000"></textarea><div class="error" hidden></div><button class="btn send-survey" type="button"></button><div class="thanks" hidden></div></div>' +
    "</div>" +
    '<div class="typing kefu-chat-typing" hidden></div>' +
    '<form class="compose kefu-chat-compose" hidden><textarea name="text" maxlength="2000"></textarea><button class="btn" type="submit"></button></form>' +
    '<div class="foot" hidden><button type="button" class="btn ghost kefu-chat-end"></button><button type="button" class="btn ghost kefu-chat-again" hidden></button></div>' +
    "</div>";

  function $(sel) { return root.querySelector(sel); }
  var launcher = $(".launcher"), panel = $(".panel"), prechat = $(".kefu-chat-prechat"), lines = $(".kefu-chat-lines");
  var compose = $(".kefu-chat-compose"), leave = $(".kefu-chat-leave"), typing = $(".kefu-chat-typing");
  var survey = $(".kefu-chat-survey"), surveyToken = null, surveyChoice = null;
  var foot = $(".foot"), endBtn = $(".kefu-chat-end"), againBtn = $(".kefu-chat-again"), status = $(".kefu-chat-status");
  launcher.textContent = TEXT.open;
  $(".title").textContent = TEXT.title;
  $(".close").textContent = "×";
  $(".close").setAttribute("aria-label", TEXT.close);
  prechat.elements.name.placeholder = TEXT.name;
  prechat.elements.phone.placeholder = TEXT.phone;
  prechat.querySelector("button").textContent = TEXT.start;
  compose.elements.text.placeholder = TEXT.placeholder;
  compose.querySelector("button").textContent = TEXT.send;
  leave.querySelector("h3").textContent = TEXT.leaveTitle;
  leave.querySelector("textarea").placeholder = TEXT.leaveText;
  leave.querySelector("input").placeholder = TEXT.leavePhone;
  leave.querySelector("button").textContent = TEXT.leaveSend;
  typing.textContent = TEXT.typing;
  endBtn.textContent = TEXT.end;
  againBtn.textContent = TEXT.again;

  var ws = null, token = null, pending = null, finished = false, typingSent = false, typingTimer = null;

  function newToken() {
    var bytes = new Uint8Array(24);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function store(value) {
    try { if (value) localStorage.setItem(STORE, value); else localStorage.removeItem(STORE); } catch (e) { /* private mode */ }
  }
  function stored() { try { return localStorage.getItem(STORE); } catch (e) { return null; } }
  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }

  function addLine(line) {
    if (line.internal || lines.querySelector('[data-line="' + line.id + '"]')) return;
    var li = document.createElement("li");
    li.className = "line " + line.sender;
    li.dataset.line = line.id;
    if (line.sender !== "system") {
      var who = document.createElement("div");
      who.className = "who";
      who.textContent = line.sender === "customer" ? TEXT.you : (line.name || TEXT.agent);
      li.appendChild(who);
    }
    var txt = document.createElement("span");
    txt.className = "txt";
    txt.textContent = line.text;
    li.appendChild(txt);
    lines.appendChild(li);
    if (line.sender === "agent") typing.hidden = true;
    $(".body").scrollTop = $(".body").scrollHeight;
  }
  function chatting() {
    prechat.hidden = true; lines.hidden = false; compose.hidden = false; foot.hidden = false;
    endBtn.hidden = false; againBtn.hidden = true;
  }
  function finish() {
    finished = true; compose.hidden = true; typing.hidden = true; endBtn.hidden = true; againBtn.hidden = false;
    leave.hidden = true; foot.hidden = false; store(null);
  }
  function showError(box, msg) { box.textContent = msg; box.hidden = !msg; }

  // The satisfaction survey the center offers as the chat ends: one answer, sent over the same socket.
  function showSurvey(msg) {
    surveyToken = msg.token; surveyChoice = null;
    survey.querySelector("h3").textContent = msg.question;
    var box = survey.querySelector(".choices");
    box.textContent = "";
    (msg.choices || []).forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "btn ghost choice"; b.textContent = c.label;
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        surveyChoice = c;
        box.querySelectorAll(".choice").forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
      });
      box.appendChild(b);
    });
    survey.querySelector("textarea").placeholder = msg.comment;
    survey.querySelector(".send-survey").textContent = msg.submit;
    survey.querySelector(".thanks").hidden = true;
    [box, survey.querySelector("textarea"), survey.querySelector(".send-survey")].forEach(function (el) { el.hidden = false; });
    showError(survey.querySelector(".error"), "");
    survey.hidden = false;
    $(".body").scrollTop = $(".body").scrollHeight;
  }
  function surveyDone() {
    surveyToken = null;
    [survey.querySelector(".choices"), survey.querySelector("textarea"), survey.querySelector(".send-survey")].forEach(function (el) { el.hidden = true; });
    showError(survey.querySelector(".error"), "");
    var thanks = survey.querySelector(".thanks");
    thanks.textContent = TEXT.surveyThanks; thanks.hidden = false;
  }

  function onMessage(msg) {
    switch (msg.type) {
      case "history":
        chatting();
        lines.textContent = "";
        (msg.lines || []).forEach(addLine);
        if (msg.state === "ended" || msg.state === "missed") finish();
        break;
      case "line": addLine(msg); break;
      case "typing": if (msg.from === "agent") typing.hidden = !msg.on; break;
      case "leave_message":
        if (!finished) { leave.hidden = false; leave.querySelector("input").value = prechat.elements.phone.value; }
        break;
      case "left_message":
        var t = $(".kefu-chat-ticket");
        t.textContent = TEXT.ticket + msg.number;
        t.hidden = false;
        finish();
        break;
      case "state":
        if (msg.state === "active") leave.hidden = true;
        if (msg.state === "ended" || msg.state === "missed") finish();
        break;
      case "survey": showSurvey(msg); break;
      case "survey_done": surveyDone(); break;
      case "error":
        if (surveyToken && !survey.hidden) { showError(survey.querySelector(".error"), msg.message); break; }
        if (!leave.hidden) { showError(leave.querySelector(".error"), msg.message); break; }
        if (!lines.children.length) { // the start was refused (e.g. a bad phone number): back to the form
          finished = true; token = null; store(null);
          if (ws) ws.close();
          prechat.hidden = false; lines.hidden = true; compose.hidden = true; foot.hidden = true;
          showError(prechat.querySelector(".error"), msg.message);
          break;
        }
        status.textContent = msg.message; status.hidden = false;
        setTimeout(function () { status.hidden = true; }, 4000);
        break;
    }
  }

  function connect() {
    var url = base.replace(/^http/, "ws") + "/ws/chat/visitor/" + token + "/";
    ws = new WebSocket(url);
    status.textContent = TEXT.connecting; status.hidden = false;
    ws.onopen = function () {
      status.hidden = true;
      if (pending) { send(pending); pending = null; }
    };
    ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
    ws.onclose = function () {
      if (finished || !token) return;
      status.textContent = TEXT.offline; status.hidden = false;
      setTimeout(function () { if (!finished && token) connect(); }, 2000);
    };
  }

  launcher.addEventListener("click", function () {
    panel.hidden = false; launcher.hidden = true;
    if (!token && stored()) { token = stored(); finished = false; connect(); }
    (prechat.hidden ? compose.elements.text : prechat.elements.name).focus();
  });
  $(".close").addEventListener("click", function () { panel.hidden = true; launcher.hidden = false; });
  prechat.addEventListener("submit", function (e) {
    e.preventDefault();
    var name = prechat.elements.name.value.trim();
    if (!name) { showError(prechat.querySelector(".error"), TEXT.nameRequired); return; }
    showError(prechat.querySelector(".error"), "");
    token = newToken(); finished = false; store(token);
    pending = { type: "start", name: name, phone: prechat.elements.phone.value.trim(), page_url: location.href, lang: lang, skill: skill };
    chatting();
    connect();
  });
  function stopTyping() { if (typingSent) { send({ type: "typing", on: false }); typingSent = false; } }
  compose.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = compose.elements.text.value.trim();
    if (!text) return;
    send({ type: "line", text: text });
    compose.elements.text.value = "";
    stopTyping();
  });
  compose.elements.text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); compose.requestSubmit(); }
  });
  compose.elements.text.addEventListener("input", function () {
    if (!typingSent) { send({ type: "typing", on: true }); typingSent = true; }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 2500);
  });
  leave.querySelector("form").addEventListener("submit", function (e) {
    e.preventDefault();
    showError(leave.querySelector(".error"), "");
    send({ type: "leave_message", text: this.elements.text.value, phone: this.elements.phone.value, name: prechat.elements.name.value });
  });
  survey.querySelector(".send-survey").addEventListener("click", function () {
    if (!surveyChoice) { showError(survey.querySelector(".error"), TEXT.surveyChoose); return; }
    var frame = { type: "survey", token: surveyToken, comment: survey.querySelector("textarea").value.trim() };
    if (surveyChoice.scale) frame.scale = surveyChoice.scale; else frame.score = surveyChoice.score;
    send(frame);
  });
  endBtn.addEventListener("click", function () { send({ type: "end" }); });
  againBtn.addEventListener("click", function () {
    if (ws) { finished = true; ws.close(); }
    token = null; finished = false; lines.textContent = ""; $(".kefu-chat-ticket").hidden = true;
    survey.hidden = true; surveyToken = null;
    prechat.hidden = false; lines.hidden = true; foot.hidden = true; compose.hidden = true;
  });
})();
