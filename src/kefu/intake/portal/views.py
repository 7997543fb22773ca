"""Public portal pages: submit, confirmation, track by number + phone or signed link, add, rate.

Thin: rate limits and the challenge (limits.py) are applied here because they concern the request;
what is saved is decided by services.py. Refusals are pages with a clear message, never a 500.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts import throttle
from kefu.accounts.forms import report_domain_error
from kefu.core import idempotency
from kefu.core.errors import DomainError, NotFound
from kefu.customers.loyalty.selectors import card_summary
from kefu.customers.phones import phone_key
from kefu.intake.portal import limits, selectors, services
from kefu.intake.portal.forms import AddInfoForm, RatingForm, SubmitForm, TrackForm
from kefu.intake.portal.models import Rating
from kefu.intake.portal.tracking import LinkExpired, ticket_for_token, tracking_token
from kefu.tickets.models import Status, Ticket


def _refused(request, message: str, status: int, title: str = ""):
    return render(
        request,
        "intake_portal/refused.html",
        {"title": title or _("We could not do that"), "message": message},
        status=status,
    )


def _too_many(request):
    minutes = max(1, settings.KEFU_PORTAL_RATE_WINDOW // 60)
    return _refused(
        request,
        _(
            "Too many requests from here. Please try again in %(minutes)s minutes, "
            "or call our service hotline."
        )
        % {"minutes": minutes},
        429,
        _("Please wait a little"),
    )


# --- submit ------------------------------------------------------------------------------------


def submit(request):
    """提交咨询/投诉/建议: a new work order, then the confirmation page."""
    ip = limits.client_ip(request)
    if request.method == "POST" and limits.hit("submit-ip", ip) > settings.KEFU_PORTAL_SUBMITS_PER_IP:
        return _too_many(request)
    needs_challenge = limits.count("submitted-ip", ip) >= settings.KEFU_PORTAL_CHALLENGE_AFTER
    form = SubmitForm(
        request.POST or None,
        request.FILES or None,
        challenge=limits.new_challenge() if needs_challenge else None,
    )
    if request.method == "POST":
        valid = form.is_valid()
        if needs_challenge and not limits.challenge_passed(
            request.POST.get("challenge_token", ""), request.POST.get("challenge_answer", "")
        ):
            if not form.has_error("challenge_answer"):
                form.add_error("challenge_answer", _("That is not the right answer; try the new question."))
            valid = False
        if valid:
            phone = phone_key(form.cleaned_data["customer_phone"]) or form.cleaned_data["customer_phone"]
            if limits.over("submitted-phone", phone, settings.KEFU_PORTAL_SUBMITS_PER_PHONE):
                return _too_many(request)
            try:
                # The form's one-time token: the same form sent twice shows the first receipt.
                recorded, replayed = idempotency.run_once(
                    scope="form:portal.submit", owner="portal", key=form.cleaned_data["form_token"],
                    work=lambda: {"id": services.portal_submit(**form.service_kwargs()).pk},
                )  # fmt: skip
            except DomainError as exc:
                report_domain_error(request, exc, form)
            else:
                if not replayed:
                    limits.hit("submitted-ip", ip)
                    limits.hit("submitted-phone", phone)
                ticket = Ticket.objects.get(pk=recorded["id"])
                return redirect("intake_portal:done", token=tracking_token(ticket))
    return render(request, "intake_portal/submit.html", {"form": form}, status=400 if form.is_bound else 200)


def _ticket_or_refusal(request, token: str):
    try:
        return ticket_for_token(token), None
    except LinkExpired as exc:
        return None, _refused(request, exc.message, 410, _("Link expired"))
    except NotFound as exc:
        return None, _refused(request, exc.message, 404, _("Link not valid"))


def done(request, token: str):
    """受理回执: the number, the promised time and the tracking link."""
    ticket, refusal = _ticket_or_refusal(request, token)
    if refusal:
        return refusal
    link = request.build_absolute_uri(reverse("intake_portal:ticket", kwargs={"token": token}))
    return render(
        request,
        "intake_portal/done.html",
        {"ticket": ticket, "promised_at": selectors.promised_at(ticket), "link": link, "token": token},
    )


# --- track -------------------------------------------------------------------------------------


def track(request):
    """查询进度: number + phone. A wrong phone and an unknown number get the same answer."""
    form = TrackForm(request.POST or None)
    if request.method == "POST":
        if limits.hit("track-ip", limits.client_ip(request)) > settings.KEFU_PORTAL_LOOKUPS_PER_IP:
            return _too_many(request)
        if form.is_valid():
            number = form.cleaned_data["number"].strip().upper()
            phone = phone_key(form.cleaned_data["phone"])
            # Guessing a phone for a known number is a login attempt: locked per number and per address.
            if throttle.is_locked(request, username=throttle.portal_username(number)):
                return throttle.lockout_response(request)
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None and phone and phone_key(ticket.customer_phone) == phone:
                return redirect("intake_portal:ticket", token=tracking_token(ticket))
            throttle.record_failure(request, username=throttle.portal_username(number))
            form.add_error(None, _("We found no work order with this number and phone. Please check both."))
    return render(request, "intake_portal/track.html", {"form": form}, status=400 if form.errors else 200)


def _page(request, ticket: Ticket, token: str, bound: dict | None = None, status: int = 200):
    rating = Rating.objects.filter(ticket=ticket).first()
    context = {
        "ticket": ticket,
        "token": token,
        "status_label": selectors.customer_status(ticket),
        "done": ticket.status in selectors.DONE,
        "promised_at": selectors.promised_at(ticket),
        "waiting": ticket.status == Status.WAITING_CUSTOMER,
        "conversation": selectors.conversation(ticket),
        "files": ticket.attachments.filter(uploaded_by__isnull=True, message__isnull=True).order_by("id"),
        "rating": rating,
        "can_rate": rating is None and ticket.status in services.RATEABLE,
        "can_add": ticket.status not in services.CLOSED_FOR_ADDITIONS,
        "add_form": AddInfoForm(),
        "rating_form": RatingForm(),
        "merged_into_token": tracking_token(ticket.merged_into) if ticket.merged_into_id else "",
    }
    context.update(bound or {})
    # Loyalty card: the customer's level and points balance, read-only.
    context["loyalty_card"] = card_summary(ticket.customer_id)
    return render(request, "intake_portal/ticket.html", context, status=status)


def ticket_page(request, token: str):
    """进度页: status in plain words, promised time, conversation, result, add information, rating."""
    ticket, refusal = _ticket_or_refusal(request, token)
    return refusal or _page(request, ticket, token)


@require_POST
def add_info(request, token: str):
    ticket, refusal = _ticket_or_refusal(request, token)
    if refusal:
        return refusal
    if limits.hit("add-ticket", ticket.number) > settings.KEFU_PORTAL_ADDS_PER_TICKET:
        return _too_many(request)
    form = AddInfoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.portal_add_info(
                ticket=ticket,
                body_text=form.cleaned_data["body_text"],
                files=form.cleaned_data["attachments"],
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Thank you. Your information was added to the work order."))
            return redirect("intake_portal:ticket", token=token)
    return _page(request, ticket, token, {"add_form": form}, status=400)


@require_POST
def rate(request, token: str):
    ticket, refusal = _ticket_or_refusal(request, token)
    if refusal:
        return refusal
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.portal_rate(
                ticket=ticket, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Thank you for rating our service."))
            return redirect("intake_portal:ticket", token=token)
    return _page(request, ticket, token, {"rating_form": form}, status=400)
