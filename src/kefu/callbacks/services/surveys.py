"""Satisfaction surveys (满意度调查): a signed, expiring link sent after a contact is resolved.

The link carries the work order and the round, signed with django.core.signing (salt below, keyed by
KEFU_SECRET_KEY) and timestamped; it expires after SurveySettings.link_days. It is sent as the
notify app's "survey" template by the customer's channel (SMS held over quiet hours), at most once
per contact, and not to a customer already asked within SurveySettings.not_twice_days.
"""

from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.callbacks.models import Satisfaction, Score, SurveyInvitation, SurveySettings
from kefu.callbacks.services.outcome import RATEABLE, current_round, satisfaction_record
from kefu.core.errors import DomainError, NotFound, ValidationError
from kefu.tickets.models import Status, Ticket

SALT = "kefu.callbacks.survey"


class LinkExpired(DomainError):
    http_status = 410


def survey_token(ticket: Ticket, round_: int | None = None) -> str:
    round_ = current_round(ticket) if round_ is None else round_
    return signing.TimestampSigner(salt=SALT).sign_object({"t": ticket.pk, "r": round_}, compress=True)


def survey_url(ticket: Ticket) -> str:
    """The link for the template's {survey_url}: KEFU_SURVEY_URL with {token}, or /survey/<token>/."""
    token = survey_token(ticket)
    site = settings.SITE_URL.rstrip("/")
    pattern = getattr(settings, "KEFU_SURVEY_URL", "") or ""
    if "{token}" in pattern:
        return (
            pattern.replace("{site_url}", site)
            .replace("{token}", token)
            .replace("{ticket_no}", ticket.number)
        )
    return f"{site}/survey/{token}/"


def survey_open(token: str, *, now: datetime | None = None) -> tuple[Ticket, int]:
    """The work order and round of a link; NotFound if tampered, LinkExpired if too old."""
    max_age = timedelta(days=SurveySettings.load().link_days)
    signer = signing.TimestampSigner(salt=SALT)
    try:
        data = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired(_("This survey link has expired.")) from None
    except signing.BadSignature:
        raise NotFound(_("This survey link is not valid.")) from None
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None:
        raise NotFound(_("This survey link is not valid."))
    return ticket, int(data.get("r", 0))


def survey_answer(
    *,
    token: str,
    score: str = "",
    scale: int | None = None,
    comment: str = "",
    source: str = Satisfaction.Source.SURVEY,
    now: datetime | None = None,
) -> Satisfaction:
    """The customer's answer through the link (or the chat window, `source` "chat"): 3-level score or
    1–5 scale, with an optional comment.

    Refuses a tampered or expired link, a second answer for the same contact, a link for an earlier
    contact (the work order was reopened since), and a missing or unknown score.
    """
    from kefu.callbacks.models import score_for_scale
    from kefu.callbacks.services.feedback import feedback_forward

    ticket, round_ = survey_open(token, now=now)
    if Satisfaction.objects.filter(ticket=ticket, round=round_).exists():
        raise ValidationError.for_field("score", _("Thank you, you have already answered."))
    if current_round(ticket) != round_:
        raise ValidationError.for_field("score", _("This survey link is for an earlier contact."))
    if scale not in (None, ""):
        try:
            scale = int(scale)
        except (TypeError, ValueError):
            raise ValidationError.for_field("scale", _("Choose a value from 1 to 5.")) from None
        if not 1 <= scale <= 5:
            raise ValidationError.for_field("scale", _("Choose a value from 1 to 5."))
        score = score_for_scale(scale)
    else:
        scale = None
    if not score:
        raise ValidationError.for_field("score", _("Choose one of the ratings."))
    if len((comment or "").strip()) > 1000:
        raise ValidationError.for_field("comment", _("At most %(limit)s characters.") % {"limit": 1000})
    with transaction.atomic():
        satisfaction = satisfaction_record(
            ticket=ticket, score=score, scale=scale, comment=comment, source=source, by=None, now=now,
        )  # fmt: skip
        if comment and not satisfaction.not_satisfied:
            feedback_forward(ticket=ticket, text=comment, satisfaction=satisfaction, now=now)
    return satisfaction


def _recently_asked(ticket: Ticket, since: datetime) -> bool:
    rows = SurveyInvitation.objects.filter(created_at__gte=since, skipped="").exclude(ticket=ticket)
    if ticket.customer_id:
        return rows.filter(customer_id=ticket.customer_id).exists()
    address = ticket.customer_phone or ticket.customer_email
    return bool(address) and rows.filter(address=address).exists()


@transaction.atomic
def survey_invite(*, ticket: Ticket, now: datetime | None = None) -> SurveyInvitation | None:
    """Send the survey link for the work order's current contact, once (idempotent per round).

    Skipped (recorded with the reason, nothing sent) when surveys are off, the work order is not
    resolved, the customer was asked within the configured days, or the customer has no channel or
    there is no survey template. SMS during quiet hours is held by the notify app until they end.
    """
    from kefu.notify.models import TemplateKind
    from kefu.notify.notices import customer_notice_send

    now = now or timezone.now()
    config = SurveySettings.load()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    round_ = current_round(ticket)
    existing = SurveyInvitation.objects.filter(ticket=ticket, round=round_).first()
    if existing is not None:  # asked already (by a link, or in the chat window as the chat ended)
        return existing
    if not config.enabled or ticket.status not in RATEABLE:
        return None
    if Satisfaction.objects.filter(ticket=ticket, round=round_).exists():
        return None  # answered already (a callback, the portal): one answer per contact
    invitation = SurveyInvitation(
        ticket=ticket, round=round_, customer_id=ticket.customer_id,
        address=ticket.customer_phone or ticket.customer_email, created_at=now,
    )  # fmt: skip
    if _recently_asked(ticket, now - timedelta(days=config.not_twice_days)):
        invitation.skipped = _("asked within the last %(n)s days") % {"n": config.not_twice_days}
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        return SurveyInvitation.objects.get(ticket=ticket, round=round_)
    if invitation.skipped:
        return invitation
    try:
        with transaction.atomic():
            invitation.notice = customer_notice_send(
                ticket=ticket, kind=TemplateKind.SURVEY, by=None, now=now
            )
    except DomainError as exc:
        invitation.skipped = exc.message[:200]
    invitation.save(update_fields=["notice", "skipped"])
    return invitation


@transaction.atomic
def chat_survey_offer(*, ticket: Ticket, language: str = "", now: datetime | None = None) -> dict | None:
    """The survey to show in the chat window as a chat with an agent ends (the last moment weighs
    most), or None when the survey rules say not to ask.

    Recorded as the contact's survey invitation (via "chat"), so the link after resolution is not
    sent as well and the customer is not asked again within `not_twice_days`. Not offered when
    surveys are off, the work order was merged or cancelled, this contact was already answered or
    asked, or the customer was asked within the configured days (recorded as skipped, with why).
    Returns the signed, expiring token and what the chat window shows, in `language`.
    """
    now = now or timezone.now()
    config = SurveySettings.load()
    if not config.enabled:
        return None
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status in (Status.MERGED, Status.CANCELLED):
        return None
    round_ = current_round(ticket)
    if Satisfaction.objects.filter(ticket=ticket, round=round_).exists():
        return None
    if SurveyInvitation.objects.filter(ticket=ticket, round=round_).exists():
        return None
    invitation = SurveyInvitation(
        ticket=ticket, round=round_, customer_id=ticket.customer_id, via="chat",
        address=ticket.customer_phone or ticket.customer_email, created_at=now,
    )  # fmt: skip
    if _recently_asked(ticket, now - timedelta(days=config.not_twice_days)):
        invitation.skipped = _("asked within the last %(n)s days") % {"n": config.not_twice_days}
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same contact offered by another process at this moment
        return None
    if invitation.skipped:
        return None
    with translation.override(language) if language else nullcontext():
        if config.scale == SurveySettings.ScaleKind.FIVE:
            choices = [{"scale": n, "label": str(n)} for n in range(5, 0, -1)]
        else:
            choices = [{"score": value, "label": str(label)} for value, label in Score.choices]
        return {
            "token": survey_token(ticket, round_),
            "question": _("How satisfied are you with this chat?"),
            "choices": choices,
            "comment": _("Anything we should do better? (optional)"),
            "submit": _("Send"),
        }
