"""{% knowledge_reply_tools ticket %}: scripts to insert, the phrase check and suggested answers, for
a reply form (the work-order page includes knowledge/_reply_tools.html, which calls this)."""

from django import template

from kefu.knowledge import selectors, suggest

register = template.Library()


@register.inclusion_tag("knowledge/_reply_tools_panel.html", takes_context=True)
def knowledge_reply_tools(context, ticket=None, target="textarea[name=body_text]"):
    user = context["request"].user
    scripts = list(selectors.scripts_for(user).order_by("stage", "position", "pk"))
    found = None
    if ticket is not None:
        try:
            found = suggest.suggest(text=f"{ticket.title} {ticket.content}", user=user)
        except Exception:  # a suggestion must never break the work-order page
            found = None
    return {
        "scripts": scripts,
        "ticket": ticket,
        "found": found,
        "target": target,
        "request": context["request"],
    }


@register.inclusion_tag("knowledge/_chat_tools_panel.html", takes_context=True)
def knowledge_chat_tools(context):
    """Scripts and the phrase check for the chat console (knowledge/_chat_tools.html)."""
    user = context["request"].user
    return {"scripts": list(selectors.scripts_for(user).order_by("stage", "position", "pk")),
            "request": context["request"], "csrf_token": context.get("csrf_token")}  # fmt: skip
