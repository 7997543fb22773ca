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
    page = Paginator(
        customer_search(query).select_related("tier").prefetch_related("phones", "emails"), 25
    ).get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {"page": page, "query": query})


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
