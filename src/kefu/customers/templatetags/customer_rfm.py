"""`{% rfm_score customer as score %}`: the customer's current RFM scores (kefu.customers.rfm) on a page."""

from django import template

from kefu.customers import rfm

register = template.Library()


@register.simple_tag
def rfm_score(customer):
    """The customer's row of the latest RFM snapshot, or None when they were not scored."""
    return rfm.customer_score(customer.pk)


@register.filter
def rfm_segment_name(code: str) -> str:
    return rfm.segment_label(code)
