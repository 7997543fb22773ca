"""`{% customer_value customer %}`: the customer page's value tier (with its why, figures and history)
and orders and payments (issue 14, parts 3 and 4)."""

from django import template

from kefu.customers.forms_tiers import OverrideForm
from kefu.customers.models import TierOverride
from kefu.customers.tiers import can_manage_tiers, change_text, figures_of

register = template.Library()

SHOWN = 20  # orders, payments and tier changes listed on the page


@register.inclusion_tag("customers/_value.html", takes_context=True)
def customer_value(context, customer):
    user = context["request"].user
    changes = list(customer.tier_changes.select_related("by")[:SHOWN])
    for change in changes:
        change.text = change_text(change)
    override = TierOverride.objects.filter(customer=customer).select_related("by").first()
    may_manage = can_manage_tiers(user)
    return {
        "customer": customer,
        "figures": figures_of(customer),
        "changes": changes,
        "override": override,
        "may_manage": may_manage,
        "override_form": OverrideForm(initial={"tier": customer.tier_id}) if may_manage else None,
        "orders": list(customer.orders.select_related("refund_of")[:SHOWN]),
        "payments": list(customer.payments.select_related("order")[:SHOWN]),
        "order_count": customer.orders.count(),
        "payment_count": customer.payments.count(),
        "csrf_token": context.get("csrf_token"),
    }
