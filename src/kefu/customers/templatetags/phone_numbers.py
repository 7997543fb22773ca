"""{{ number|phone }}: a stored phone number as people read it (138 0013 8000, +44 7911 123456)."""

from django import template

from kefu.customers.phones import display_phone

register = template.Library()


@register.filter
def phone(stored: str) -> str:
    return display_phone(stored)
