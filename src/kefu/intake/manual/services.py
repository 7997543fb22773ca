"""Writes of the manual channels: check a channel's facts, and record a work order with them."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.intake.manual.error_codes import ChannelFactCode
from kefu.intake.manual.facts import FACTS
from kefu.tickets.models import Ticket
from kefu.tickets.services import ticket_create

MAX_VISITORS = 1000


def _clean_fact(fact, raw) -> object:
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        if fact.required:
            raise ValueError(FieldError(_("Required for this channel."), FieldCode.REQUIRED))
        return None
    if fact.kind == "int":
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValueError(FieldError(_("Enter a whole number."), FieldCode.WRONG_TYPE)) from None
        if not 1 <= value <= MAX_VISITORS:
            raise ValueError(
                FieldError(_("Between 1 and %(max)s.") % {"max": MAX_VISITORS}, FieldCode.OUT_OF_RANGE)
            )
        return value
    if fact.kind == "date":
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise ValueError(FieldError(_("Enter a date as YYYY-MM-DD."), FieldCode.WRONG_TYPE)) from None
    value = str(raw)
    if len(value) > fact.max_length:
        raise ValueError(
            FieldError(_("At most %(limit)s characters.") % {"limit": fact.max_length}, FieldCode.TOO_LONG)
        )
    return value


def channel_details_clean(*, channel: str, details: dict | None) -> dict:
    """The channel's facts, checked and normalised (dates as ISO strings, counts as numbers).

    Refuses a missing required fact, a malformed one and a fact the channel does not know, each as
    ``channel_details.<name>``; refuses details on a channel that takes none.
    """
    details = details or {}
    if not isinstance(details, dict):
        raise ValidationError.for_field(
            "channel_details", _("Expected an object of facts."), FieldCode.WRONG_TYPE
        )
    facts = FACTS.get(channel)
    if facts is None:
        if details:
            raise ValidationError.for_field(
                "channel_details",
                _("This channel takes no channel details."),
                ChannelFactCode.NO_FACTS_FOR_CHANNEL,
            )
        return {}
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    known = {fact.name for fact in facts}
    for key in details:
        if key not in known:
            errors.setdefault(f"channel_details.{key}", []).append(
                FieldError(_("Unknown fact for this channel."), ChannelFactCode.UNKNOWN_FACT)
            )
    for fact in facts:
        try:
            value = _clean_fact(fact, details.get(fact.name))
        except ValueError as exc:
            errors.setdefault(f"channel_details.{fact.name}", []).append(exc.args[0])  # a FieldError
            continue
        if value is not None:
            cleaned[fact.name] = value
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    return cleaned


@transaction.atomic
def ticket_create_with_details(
    *, by: User | None, channel: str, channel_details: dict | None = None, **register
) -> Ticket:
    """Record a work order with its channel's facts (登记并记录渠道要素).

    tickets.services.ticket_create checks the facts with channel_details_clean (registered in
    ManualConfig.ready) and decides and refuses as for any other contact. Nothing is saved unless
    all of it is.
    """
    return ticket_create(by=by, channel=channel, channel_details=channel_details, **register).ticket
