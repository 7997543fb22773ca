"""`{% customer_value customer %}`: the customer page's value tier (with its why, figures and history)
and orders and payments (issue 14, parts 3 and 4)."""

from django import template
from django.db.models import Count

from kefu.core.union import union_all
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
    counts = {  # the orders and the payments counted in one statement
        part: n
        for part, _customer, n in union_all(
            [
                qs.order_by().values_list("customer_id").annotate(Count("id"))
                for qs in (customer.orders, customer.payments)
            ]
        )
    }
    return {
        "customer": customer,
        "figures": figures_of(customer),
        "changes": changes,
        "override": override,
        "may_manage": may_manage,
        "override_form": OverrideForm(initial={"tier": customer.tier_id}) if may_manage else None,
        "orders": list(customer.orders.select_related("refund_of")[:SHOWN]),
        "payments": list(customer.payments.select_related("order")[:SHOWN]),
        "order_count": counts.get(0, 0),
        "payment_count": counts.get(1, 0),
        "csrf_token": context.get("csrf_token"),
    }
