"""Loyalty pages (会员卡/积分): a customer's points statement (page, xlsx, CSV), redeeming and
correcting points, asking for a card, and the supervisors' page of card applications."""

import csv
from io import BytesIO, StringIO

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import center_staff_required, lead_required, role_required, sees_customers
from kefu.core.errors import DomainError
from kefu.core.sheets import XLSX
from kefu.customers.loyalty import selectors, services
from kefu.customers.loyalty.forms import CardRequestForm, DecideForm, PeriodForm, PointsForm
from kefu.customers.models import CardApplication, Customer


def _statement_table(statement) -> tuple[list[str], list[list]]:
    head = [_("At"), _("Kind"), _("Points"), _("Balance"), _("Reason"), _("Order"), _("Expires on"), _("By")]
    rows = [[statement.first.isoformat(), _("Opening balance"), "", statement.opening, "", "", "", ""]]
    for e in statement.entries:
        rows.append(
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                e.get_kind_display(),
                e.points,
                e.balance_after,
                e.reason,
                e.order.external_id if e.order_id else "",
                e.expires_on.isoformat() if e.expires_on else "",
                str(e.created_by) if e.created_by_id else "",
            ]
        )
    rows.append([statement.last.isoformat(), _("Closing balance"), "", statement.closing, "", "", "", ""])
    return head, rows


@role_required(sees_customers)
def points_statement(request, pk: int):
    """积分对账单: the period's entries with the running balance; `format=xlsx` or `csv` downloads it."""
    customer = get_object_or_404(Customer, pk=pk)
    period = PeriodForm(request.GET)  # bound even when empty: both days have defaults
    if not period.is_valid():
        return render(request, "customers/points.html", {"customer": customer, "period": period}, status=400)
    first, last = period.cleaned_data["start"], period.cleaned_data["end"]
    statement = selectors.points_statement(customer_id=customer.pk, first=first, last=last)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "csv"):
        head, rows = _statement_table(statement)
        name = f"points-{customer.pk}-{first:%Y%m%d}-{last:%Y%m%d}.{fmt}"
        if fmt == "csv":
            out = StringIO()
            writer = csv.writer(out)
            writer.writerow(head)
            writer.writerows(rows)
            # With a BOM, so that Excel opens the Chinese text as UTF-8.
            response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        else:
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            sheet.title = "points"
            sheet.append([customer.name, f"{first} – {last}"])
            sheet.append(head)
            for row in rows:
                sheet.append(row)
            buffer = BytesIO()
            book.save(buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "customers/points.html",
        {
            "customer": customer,
            "period": period,
            "statement": statement,
            "card": selectors.customer_card(customer.pk),
            "balance": selectors.points_balance(customer.pk),
            "points_form": PointsForm(),
            "may_correct": services.may_approve(request.user),
        },
    )


@require_POST
@center_staff_required
def points_change(request, pk: int, action: str):
    """Redeem (兑换) or, for a supervisor, correct (更正) points; the service refuses what is not allowed."""
    if action not in ("redeem", "correct"):
        raise Http404
    customer = get_object_or_404(Customer, pk=pk)
    form = PointsForm(request.POST)
    if form.is_valid():
        post = services.points_redeem if action == "redeem" else services.points_correct
        try:
            entry = post(customer=customer, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(
                request,
                _("%(points)+d points; the balance is now %(balance)s.")
                % {"points": entry.points, "balance": entry.balance_after},
            )
            return redirect("customers:points", pk=customer.pk)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''} {error}".strip()
            )
    return redirect("customers:points", pk=customer.pk)


@require_POST
@center_staff_required
def card_request(request, pk: int):
    """办卡/升级 from the customer page: issued at once, or an application for a supervisor."""
    customer = get_object_or_404(Customer, pk=pk)
    form = CardRequestForm(request.POST)
    if form.is_valid():
        try:
            done = services.card_request(customer=customer, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            if done.pending:
                messages.success(
                    request,
                    _("The application for %(level)s waits for a supervisor.")
                    % {"level": done.application.level.name},
                )
            else:
                messages.success(request, _("Card %(number)s issued.") % {"number": done.card.number})
            return redirect("customers:detail", pk=customer.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("customers:detail", pk=customer.pk)


@lead_required
def cards(request):
    """The supervisors' page: card applications waiting for approval, and the latest decisions."""
    return render(
        request,
        "customers/cards.html",
        {
            "pending": selectors.pending_applications(),
            "recent": selectors.recent_applications(),
            "decide_form": DecideForm(),
        },
    )


@require_POST
@lead_required
def card_decide(request, pk: int):
    application = get_object_or_404(CardApplication, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.card_decide(
                application=application,
                approve=form.cleaned_data["approve"] == "1",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("The application was decided."))
            return redirect("customers:cards")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("customers:cards")
