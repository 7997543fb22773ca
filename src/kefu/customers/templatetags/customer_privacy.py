"""{{ number|phone_for:user }} and {{ address|email_for:user }}: contacts as this person may see them
(readable, or masked 138****8000 / z***@example.com; the rule is kefu.customers.privacy)."""

from django import template

from kefu.customers.privacy import shown_email, shown_phone

register = template.Library()


@register.filter
def phone_for(stored: str, user) -> str:
    return shown_phone(user, stored)


@register.filter
def email_for(address: str, user) -> str:
    return shown_email(user, address)
