/* Phone channel: the screen pop (弹屏) on an incoming call. kefu.js passes every websocket message on as a
   "kefu:notification" event; this draws the ones of kind "screen_pop" as a card. No framework. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(href, text, className) {
    var a = el("a", className, text);
    a.href = href;
    return a;
  }

  function show(data) {
    var labels = data.labels || {};
    var old = document.querySelector('.screen-pop[data-call="' + data.call + '"]');
    if (old) old.remove();
    var card = el("section", "screen-pop");
    card.setAttribute("role", "alertdialog");
    card.setAttribute("data-call", String(data.call));
    card.appendChild(el("h2", "sp-title", data.title));
    var close = el("button", "sp-close", "×");
    close.type = "button";
    close.title = labels.close || "Close";
    close.addEventListener("click", function () {
      card.remove();
    });
    card.appendChild(close);

    var who = el("div", "sp-customer");
    if (data.customer) {
      who.appendChild(link(data.customer.url, data.customer.name, "sp-name"));
      if (data.customer.tier_label) who.appendChild(el("span", "sp-tier tier-" + data.customer.tier, data.customer.tier_label));
      who.appendChild(el("div", "sp-phones", (data.customer.phones || []).join(" · ")));
    } else {
      who.appendChild(el("span", "muted", labels.unknown || ""));
    }
    card.appendChild(who);

    card.appendChild(el("h3", "sp-sub", labels.open_tickets || ""));
    if (data.tickets && data.tickets.length) {
      var list = el("ul", "sp-tickets");
      data.tickets.forEach(function (t) {
        var item = el("li");
        item.appendChild(link(t.url, t.number, "sp-ticket"));
        item.appendChild(el("span", "sp-ticket-title", " " + t.title + " "));
        item.appendChild(el("span", "sp-status", t.status_label));
        list.appendChild(item);
      });
      card.appendChild(list);
    } else {
      card.appendChild(el("p", "muted", labels.none || ""));
    }
    card.appendChild(link(data.new_ticket_url, labels.new_ticket || "+", "btn btn-primary sp-new"));

    var box = document.getElementById("screen-pops");
    if (!box) {
      box = el("div", "screen-pops");
      box.id = "screen-pops";
      document.body.appendChild(box);
    }
    box.appendChild(card);
  }

  document.addEventListener("kefu:notification", function (event) {
    var data = event.detail || {};
    if (data.kind === "screen_pop") show(data);
  });
})();
