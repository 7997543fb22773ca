"""The customer 360 (客户全景) on the customer page, and its older pages for htmx."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from kefu.core.params import query_int
from kefu.crm import optout
from kefu.crm.timeline import customer_profile, customer_timeline, may_view, one_to_one
from kefu.customers.loyalty.forms import CardRequestForm
from kefu.customers.loyalty.services import may_handle_points
from kefu.customers.models import Customer
from kefu.customers.services import may_edit_customer


def customer_360_context(request, customer: Customer) -> dict:
    """What the customer page (customers:detail) shows as its main content: the timeline's first
    page with the open matters on top, the card, points, tier history and RFM segment, and the care
    opt-out (退订) with its buttons for who may change it. Raises 404 for someone who may not see
    this customer. The customer is best loaded with `select_related(*crm.timeline.WITH_CUSTOMER)`."""
    if not may_view(user=request.user, customer=customer):
        raise Http404
    opt_out = one_to_one(customer, "care_opt_out")
    timeline = customer_timeline(user=request.user, customer=customer)
    return {
        "timeline": timeline,
        "profile": customer_profile(user=request.user, customer=customer, timeline=timeline),
        "card_form": CardRequestForm() if may_handle_points(request.user) else None,
        "care_opt_out": opt_out,
        "care_opt_out_via": optout.via_label(opt_out.via) if opt_out else "",
        "may_change_care": may_edit_customer(request.user),
    }


@login_required
def timeline(request, pk: int):
    """One more page of the timeline (the "Older" button)."""
    customer = get_object_or_404(Customer, pk=pk)
    if not may_view(user=request.user, customer=customer):
        raise Http404
    page = query_int(request.GET, "page", 1, maximum=10_000)
    result = customer_timeline(user=request.user, customer=customer, page=page)
    return render(
        request,
        "crm/_timeline_rows.html",
        {"customer": customer, "rows": result.rows, "has_next": result.has_next, "next_page": page + 1},
    )
