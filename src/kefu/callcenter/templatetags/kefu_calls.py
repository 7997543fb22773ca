from django import template

from kefu.callcenter.selectors import calls_of_ticket

register = template.Library()


@register.inclusion_tag("callcenter/_ticket_calls.html")
def ticket_calls(ticket):
    """The calls linked to a work order, for its page."""
    return {"calls": list(calls_of_ticket(ticket)[:20])}


@register.inclusion_tag("callcenter/_nav.html")
def calls_nav(url_name: str = ""):
    """The supervisors' nav link to the call-log import (its label lives in this app's catalogue)."""
    return {"active": url_name == "calls:import"}
