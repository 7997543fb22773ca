"""Customer pages: search, the record with its work-order history, and its edit form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import center_staff_required, role_required, sees_customers
from kefu.core.errors import DomainError
from kefu.crm.views import customer_360_context
from kefu.customers.forms import CustomerForm
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search
from kefu.customers.services import customer_update

customer_viewer_required = role_required(sees_customers)


@customer_viewer_required
def customer_list(request):
    query = request.GET.get("q", "").strip()
    customers = customer_search(query)
    segment, segment_filter = _segment_filter(request)
    if segment_filter is not None:
        customers = segment_filter(customers)
    page = Paginator(customers.select_related("tier").prefetch_related("phones", "emails"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/list.html", {"page": page, "query": query, **segment})


@login_required
def customer_detail(request, pk: int):
    """The customer page: the record beside the customer 360 (kefu.crm), its main content. Department
    staff open it only for a customer of a work order dispatched to them (crm.timeline.may_view)."""
    customer = get_object_or_404(
        Customer.objects.select_related("tier").prefetch_related("phones", "emails"), pk=pk
    )
    context = {"customer": customer, **customer_360_context(request, customer)}
    return render(request, "customers/detail.html", context)


@center_staff_required
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer.objects.prefetch_related("phones", "emails"), pk=pk)
    initial = {
        "name": customer.name,
        "tier": customer.tier_id,
        "note": customer.note,
        "phones": "\n".join(p.number for p in customer.phones.all()),
        "emails": "\n".join(e.address for e in customer.emails.all()),
    }
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, **form.service_kwargs())
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/edit.html",
        {"customer": customer, "form": form},
        status=400 if form.errors else 200,
    )


# --- RFM (issue 14, part 5): the customer list filtered by segment --------------------------------


def _segment_filter(request) -> tuple[dict, object]:
    """`?segment=<code>[&rfm_as_of=YYYY-MM-DD]`: the list's context about the segment, and the filter
    to apply (None: no filter; an unknown segment or date is said on the page, the list unfiltered)."""
    from datetime import date

    from kefu.customers import rfm

    code = request.GET.get("segment", "").strip()
    if not code:
        return {"segments": rfm.segment_choices()}, None
    raw_day = request.GET.get("rfm_as_of", "").strip()
    try:
        code = rfm.clean_segment(code)
        day = date.fromisoformat(raw_day) if raw_day else None
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return {"segments": rfm.segment_choices()}, None
    except ValueError:
        messages.error(request, _("rfm_as_of: not a date (YYYY-MM-DD): %(value)s") % {"value": raw_day})
        return {"segments": rfm.segment_choices()}, None
    context = {"segments": rfm.segment_choices(), "segment": code, "segment_name": rfm.segment_label(code)}
    context["rfm_as_of"] = day or rfm.latest_as_of()
    return context, lambda customers: rfm.in_segment(customers, code, day)
