"""Customer pages: search, the record with its work-order history, its edit form, duplicates and merge,
and the privacy actions (exports, anonymisation)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import center_staff_required, lead_required, role_required, sees_customers
from kefu.core.errors import DomainError
from kefu.crm.timeline import WITH_CUSTOMER
from kefu.crm.views import customer_360_context
from kefu.customers import privacy
from kefu.customers.forms import AnonymiseForm, CustomerForm
from kefu.customers.merge import customer_merge, duplicate_candidates, may_merge
from kefu.customers.models import Customer, CustomerMerge
from kefu.customers.record import custom_fields
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
    page = Paginator(
        customers.select_related("tier").prefetch_related("phones", "emails", "tags"), 25
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {"page": page, "query": query, "may_export": privacy.may_export(request.user), **segment},
    )


@login_required
def customer_detail(request, pk: int):
    """The customer page: the record beside the customer 360 (kefu.crm), its main content. Department
    staff open it only for a customer of a work order dispatched to them (crm.timeline.may_view)."""
    customer = get_object_or_404(
        Customer.objects.select_related(
            "tier", "owner", "organisation", "referred_by", *WITH_CUSTOMER
        ).prefetch_related("phones", "emails", "tags"),
        pk=pk,
    )
    context = {"customer": customer, **customer_360_context(request, customer)}
    fields = {f.code: f for f in custom_fields()} if customer.custom else {}  # most have none: no read
    context["custom"] = [
        (fields[code].label if code in fields else code, value) for code, value in customer.custom.items()
    ]
    context["members"] = customer.members.order_by("name").prefetch_related("phones")
    if privacy.sees_contacts(request.user):  # the record's keepers; department staff see the contacts only
        context.update(
            duplicates=duplicate_candidates(customer=customer, limit=20)
            if not customer.anonymised_at
            else [],
            merges=CustomerMerge.objects.filter(kept=customer).select_related("by")[:20],
            may_merge=may_merge(request.user),
            may_export=privacy.may_export(request.user),
            may_anonymise=privacy.may_anonymise(request.user) and not customer.anonymised_at,
            anonymise_form=AnonymiseForm(),
        )
    return render(request, "customers/detail.html", context)


@center_staff_required
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer.objects.prefetch_related("phones", "emails", "tags"), pk=pk)
    form = CustomerForm(request.POST or None, initial=CustomerForm.initial_for(customer), customer=customer)
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
        {"customer": customer, "form": form, "tag_names": _tag_names()},
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


def _tag_names() -> list[str]:
    from kefu.customers.models import CustomerTag

    return list(CustomerTag.objects.values_list("name", flat=True)[:500])


@lead_required
def duplicates_page(request):
    """可能重复的客户: pairs with the same phone, the same email or a similar name, each with a merge."""
    return render(request, "customers/duplicates.html", {"candidates": duplicate_candidates(limit=200)})


@require_POST
@lead_required
def customer_merge_view(request, pk: int):
    """Merge the posted `remove` record into this one (the service refuses anyone but leads)."""
    keep = get_object_or_404(Customer, pk=pk)
    remove = Customer.objects.filter(pk=request.POST.get("remove") or 0).first()
    if remove is None:
        messages.error(request, _("That customer no longer exists."))
        return redirect("customers:detail", pk=keep.pk)
    try:
        merge = customer_merge(keep=keep, remove=remove, by=request.user)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        moved = sum(merge.moved.values())
        messages.success(
            request,
            _("#%(id)s %(name)s was merged into this record (%(rows)s rows moved).")
            % {"id": merge.removed_id, "name": merge.removed_name, "rows": moved},
        )
    return redirect("customers:detail", pk=keep.pk)


@customer_viewer_required
def customer_list_export(request):
    """The list as searched, as CSV or xlsx (?format=xlsx); refused (403) without the export permission."""
    query = request.GET.get("q", "").strip()
    file_format = request.GET.get("format", "csv")
    try:
        data, log = privacy.customer_list_export(
            by=request.user,
            customers=customer_search(query),
            what=_("customer list: “%(q)s”") % {"q": query} if query else _("customer list: all"),
            file_format=file_format,
        )
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.http_status, content_type="text/plain; charset=utf-8")
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    stamp = timezone.localtime(log.at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{file_format}"'
    return response


@customer_viewer_required
def customer_data_export(request, pk: int):
    """One customer's data for a data-subject request, as a zip of JSON (logged)."""
    customer = get_object_or_404(Customer, pk=pk)
    try:
        data, _log = privacy.customer_data_export(customer=customer, by=request.user)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.http_status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.zip"'
    return response


@require_POST
@customer_viewer_required
def customer_anonymise(request, pk: int):
    """Anonymise on request (the service refuses anyone but administrators)."""
    customer = get_object_or_404(Customer, pk=pk)
    form = AnonymiseForm(request.POST)
    try:
        privacy.customer_anonymise(customer=customer, reason=form.data.get("reason", ""), by=request.user)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("The record was anonymised."))
    return redirect("customers:detail", pk=customer.pk)
