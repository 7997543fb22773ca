"""The care calendar (客户关怀): birthday and holiday greetings, regular touches and renewal reminders.

A manager keeps the rules (`CareRule`); once a day `care_run` finds, with one query per rule and
occasion, every customer due and records one `CareTouch` per (customer, occasion) — the unique key
makes a second run, or two workers, create nothing new. The database does it for a million at once:
one INSERT ... SELECT per occasion decides each touch's status and address in SQL and puts the
customer's name into the message rendered once (`_record`); only the few it cannot (a name the
template's punctuation rules would change, a mobile kept abroad) are made one by one. An SMS goes to
the customer's first mobile of the home region, else their first mobile abroad. A touch the customer has not consented to
(their consent for the channel is off, or they opted out of care altogether) or cannot receive (no
mobile, no email) is recorded as skipped, with the reason. The others are scheduled for the rule's
send time, moved out of the quiet hours for SMS (the center's KEFU_SMS_QUIET_HOURS, owned by
kefu.notify.notices), and sent by `care_touches_send` — at the end of the run for what is due, and
every few minutes by a periodic task for the rest. Messages go out through notify's SMS sender and
Django's mail; the responsible person's renewal reminder is an in-app notification (notify.notify).
Each care SMS ends with the reply keyword that opts out (回TD退订), each care email with the
customer's own unsubscribe link and its List-Unsubscribe headers; the opt-out itself (the link's
token, who may record or undo it) is kefu.crm.optout.

Who is due:
- birthday: `kefu.customers.birthdays.birthdays_on(day)` (solar and lunar, one SQL condition);
  the occasion is the birthday's year in the customer's own calendar, so one greeting a year;
- holiday: the festivals of `kefu.core.holidays.GREETING_DAYS` that fall on the day;
- regular touch: no care message sent or scheduled within the last N days (and none of this rule,
  whatever its status, so a customer without consent is recorded once per N days, not daily);
- renewal: active contracts (kefu.callbacks.models.Contract) ending within N days; the reminder
  goes once per contract and end date, and a run missed for a few days still sends it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left, Replace
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.callbacks.models import Contract
from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.core.holidays import GREETING_DAYS, GREETING_NAMES, festival_day
from kefu.core.rows import insert_rows, insert_select, update_each
from kefu.crm.models import RULE_KINDS, CareChannel, CareKind, CareOptOut, CareRule, CareStatus, CareTouch
from kefu.crm.optout import opt_out_url
from kefu.customers.birthdays import LunarDay, lunar_birthdays_on, next_birthday, solar_birthdays_on
from kefu.customers.models import BirthdayCalendar, Customer, CustomerEmail, CustomerPhone, TierLevel
from kefu.customers.phones import STORED_ABROAD, home_mobile_q, is_mobile
from kefu.notify.models import MessageTemplate, NotificationKind
from kefu.notify.notices import quiet_until
from kefu.notify.services import notify
from kefu.notify.sms import SmsError, send_sms
from kefu.notify.templating import SLOT, VERBATIM, render, render_with_slot

log = logging.getLogger(__name__)

#: Who keeps the care rules: managers and administrators. Supervisors see the page.
RULE_ROLES = {Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
#: Rows written per INSERT in a run (a festival greets every customer at once).
BATCH = 2000


def can_manage_care(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.role in RULE_ROLES))


def can_see_care(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.is_lead))


# --- the rules ------------------------------------------------------------------------------------


def rule_errors(rule: CareRule) -> dict[str, list[str]]:
    """What is wrong with `rule` ({field: [messages]}; empty: fine)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str, code=FieldCode.INVALID) -> None:
        errors.setdefault(name, []).append(FieldError(message, code))

    if not (rule.name or "").strip():
        add("name", _("Give a name."), FieldCode.REQUIRED)
    if rule.kind not in dict(RULE_KINDS):
        add("kind", _("Unknown kind “%(value)s”.") % {"value": rule.kind}, FieldCode.INVALID_CHOICE)
    if rule.channel not in (CareChannel.SMS, CareChannel.EMAIL):
        add("channel", _("Choose SMS or email."), FieldCode.INVALID_CHOICE)
    tiers = rule.tiers if isinstance(rule.tiers, list) else None
    if tiers is None:
        add("tiers", _("Give a list of tier codes."), FieldCode.WRONG_TYPE)
    else:
        unknown = sorted(set(map(str, tiers)) - set(TierLevel.objects.values_list("code", flat=True)))
        if unknown:
            add(
                "tiers",
                _("Unknown tiers: %(codes)s.") % {"codes": ", ".join(unknown)},
                FieldCode.INVALID_CHOICE,
            )
    template = MessageTemplate.objects.filter(pk=rule.template_id).first() if rule.template_id else None
    if template is None:
        add("template", _("Choose a message template."), FieldCode.REQUIRED)
    elif not template.is_active:
        add("template", _("The template “%(name)s” is not active.") % {"name": template.name})
    elif template.channel != rule.channel:
        add(
            "template",
            _("The template “%(name)s” is for %(channel)s.")
            % {"name": template.name, "channel": template.get_channel_display()},
        )
    if rule.kind == CareKind.HOLIDAY:
        holidays = rule.holidays if isinstance(rule.holidays, list) else []
        if not holidays:
            add("holidays", _("Choose at least one festival."), FieldCode.REQUIRED)
        unknown = [h for h in holidays if h not in GREETING_DAYS]
        if unknown:
            add(
                "holidays",
                _("Unknown festivals: %(keys)s.") % {"keys": ", ".join(map(str, unknown))},
                FieldCode.INVALID_CHOICE,
            )
    if rule.kind == CareKind.TOUCH and not rule.every_days:
        add("every_days", _("Give how often, in days (at least 1)."), FieldCode.REQUIRED)
    if rule.kind == CareKind.RENEWAL and rule.customer_days_before is None and rule.staff_days_before is None:
        add(
            "customer_days_before",
            _("Give the days before the end for the customer, the responsible person, or both."),
            FieldCode.REQUIRED,
        )
    if rule.channel == CareChannel.SMS and rule.send_time is not None:
        probe = timezone.make_aware(datetime.combine(date(2026, 1, 5), rule.send_time))
        if quiet_until(probe) is not None:
            add(
                "send_time",
                _("%(time)s is inside the SMS quiet hours.") % {"time": f"{rule.send_time:%H:%M}"},
            )
    return errors


CARE_RULE_FIELDS = (
    "name",
    "kind",
    "is_active",
    "tiers",
    "channel",
    "template",
    "send_time",
    "holidays",
    "every_days",
    "customer_days_before",
    "staff_days_before",
)


@transaction.atomic
def care_rule_save(*, rule: CareRule | None, by: User, **values) -> CareRule:
    """Create (`rule` None) or change a care rule. Refuses anyone but a manager or an administrator,
    unknown fields, and what `rule_errors` finds (unknown tiers, a template of another channel, an SMS
    send time inside the quiet hours, a holiday rule without festivals …)."""
    if not can_manage_care(by):
        raise PermissionDenied(_("Only managers and administrators keep the care rules."))
    unknown = set(values) - set(CARE_RULE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            errors={f: [FieldError(_("Not editable."), FieldCode.NOT_EDITABLE)] for f in sorted(unknown)},
        )
    rule = CareRule.objects.select_for_update().get(pk=rule.pk) if rule and rule.pk else CareRule()
    for name, value in values.items():
        setattr(rule, name, value)
    rule.name = (rule.name or "").strip()
    errors = rule_errors(rule)
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    rule.save()
    return rule


# --- who is due --------------------------------------------------------------------------------


def _audience(rule: CareRule) -> QuerySet[Customer]:
    customers = Customer.objects.filter(anonymised_at__isnull=True)
    return customers.filter(tier_id__in=rule.tiers) if rule.tiers else customers


@dataclass
class Due:
    """Customers due for one occasion of one rule (`occasion` a constant) or per contract (renewals)."""

    rule: CareRule
    occasion: str
    label: str
    customers: QuerySet[Customer]
    values: dict = field(default_factory=dict)


def occasions_on(rule: CareRule, day: date, now: datetime) -> list[Due]:
    """The customer occasions `rule` has on `day` (renewals apart: see `_renewals`)."""
    audience = _audience(rule)
    if rule.kind == CareKind.BIRTHDAY:
        label = _("birthday")
        lunar_year = LunarDay.of(day).year
        return [
            Due(rule, f"birthday:{day.year}", label, audience.filter(solar_birthdays_on(day))),
            Due(rule, f"birthday:{lunar_year}", label, audience.filter(lunar_birthdays_on(day))),
        ]
    if rule.kind == CareKind.HOLIDAY:
        return [
            Due(rule, f"holiday:{key}:{day.year}", str(GREETING_NAMES[key]), audience)
            for key in rule.holidays
            if key in GREETING_DAYS and festival_day(key, day.year) == day
        ]
    if rule.kind == CareKind.TOUCH and rule.every_days:
        since = now - timedelta(days=rule.every_days)
        recent = CareTouch.objects.filter(customer=OuterRef("pk"), send_at__gt=since).filter(
            Q(rule=rule) | Q(status__in=[CareStatus.SENT, CareStatus.SCHEDULED])
        )
        return [
            Due(rule, f"touch:{day.isoformat()}", _("keeping in touch"), audience.exclude(Exists(recent)))
        ]
    return []


def _send_at(rule: CareRule, day: date, now: datetime, channel: str) -> datetime:
    """The rule's send time on `day` (not before now), moved past the quiet hours for SMS."""
    at = max(timezone.make_aware(datetime.combine(day, rule.send_time)), now)
    if channel == CareChannel.SMS:
        at = quiet_until(at) or at
    return at


def _with_contacts(customers: QuerySet[Customer], *, channel: str, opt_out_applies: bool = True) -> QuerySet:
    """The customers with what a touch by `channel` needs, decided in the query: `touch_address` (the
    first mobile of the home region — `home_mobile_q` — or the first email) and `touch_status`: the
    customer opted out of care (when it applies), else withdrew consent for the channel, else has no
    address, else the touch is scheduled. `abroad`: the customer also keeps a number abroad, which
    SQL cannot type (`_touch` asks `is_mobile` for those few).

    The address is a joined row (`touch_contact`, the first one by id), not a subquery: the status,
    the address and the time skipped all read it, and a subquery would be run for each of them —
    three lookups (with the mobile patterns) per customer of a festival's million."""
    phones = CustomerPhone.objects.filter(customer=OuterRef("pk"))
    if channel == CareChannel.SMS:
        first = phones.filter(home_mobile_q()).order_by("id").values("id")[:1]
        contact = FilteredRelation("phones", condition=Q(phones__id=Subquery(first)))
        address, consent = "touch_contact__number", "consent_sms"
        abroad = Exists(phones.filter(number__startswith=STORED_ABROAD))
    else:
        first = CustomerEmail.objects.filter(customer=OuterRef("pk")).order_by("id").values("id")[:1]
        contact = FilteredRelation("emails", condition=Q(emails__id=Subquery(first)))
        address, consent, abroad = "touch_contact__address", "consent_email", Value(False)
    opted_out = (
        Exists(CareOptOut.objects.filter(customer=OuterRef("pk"))) if opt_out_applies else Value(False)
    )
    return (
        customers.annotate(
            touch_contact=contact,
        )
        .annotate(touch_address=Coalesce(F(address), Value("")), abroad=abroad, opted_out=opted_out)
        .annotate(
            touch_status=Case(
                When(opted_out=True, then=Value(CareStatus.SKIPPED_OPT_OUT.value)),
                When(**{consent: False}, then=Value(CareStatus.SKIPPED_NO_CONSENT.value)),
                When(touch_address="", then=Value(CareStatus.SKIPPED_NO_ADDRESS.value)),
                default=Value(CareStatus.SCHEDULED.value),
                output_field=CharField(),
            )
        )
    )


def _mobile_abroad(customer_id: int) -> str:
    """The customer's first mobile number kept abroad (+E.164), or ""."""
    numbers = CustomerPhone.objects.filter(customer_id=customer_id, number__startswith=STORED_ABROAD)
    return next((n for n in numbers.order_by("id").values_list("number", flat=True) if is_mobile(n)), "")


#: A touch as `_touch` makes it: the columns that differ between customers of one occasion.
ROW = ("customer_id", "occasion", "status", "address", "subject", "message", "at")


def _touch(
    row: dict,
    *,
    template: MessageTemplate,
    channel: str,
    occasion: str,
    send_at: datetime,
    values: dict,
) -> tuple:
    """The touch (the columns of ROW) for one row of `_with_contacts(...).values(...)`."""
    status, address = row["touch_status"], row["touch_address"]
    if status == CareStatus.SKIPPED_NO_ADDRESS and row["abroad"]:
        # Opt-out and consent are tested first, so the address was the only thing missing.
        address = _mobile_abroad(row["pk"])
        status = CareStatus.SCHEDULED if address else status
    values = {"customer_name": row["name"], **values}
    return (
        row["pk"],
        occasion,
        str(status),
        address,
        render(template.subject, values)[:255] if channel == CareChannel.EMAIL else "",
        render(template.body, values),
        None if status == CareStatus.SCHEDULED else send_at,
    )


CONTACT_VALUES = ("pk", "name", "touch_status", "touch_address", "abroad")


def _store(touches: list[tuple], counts: Counter, *, rule: CareRule | None, kind: str, channel: str,
           send_at: datetime) -> None:  # fmt: skip
    """INSERT the touches (ROW tuples) of one rule, kind and channel; a touch already stored for the
    customer and occasion — another worker's, meanwhile — stands (the unique occasion)."""
    if not touches:
        return
    insert_rows(
        CareTouch,
        columns=ROW,
        rows=touches,
        fixed={"rule_id": rule.pk if rule else None, "kind": kind, "channel": channel, "send_at": send_at,
               "note": "", "staff_id": None},
        unique=("customer_id", "occasion"),
    )  # fmt: skip
    counts.update(CareStatus(t[2]) for t in touches)
    touches.clear()


def _record(due: Due, day: date, now: datetime, counts: Counter) -> None:
    """One touch per customer due, skipping those who already have this occasion.

    In one INSERT ... SELECT for every customer whose name the message takes as it is (the template
    rendered once, the name put in by SQL: `render_with_slot`) and whose address SQL can tell; the
    few others one by one (`_touch`)."""
    rule, template, channel = due.rule, due.rule.template, due.rule.channel
    already = CareTouch.objects.filter(customer=OuterRef("pk"), occasion=due.occasion)
    contacts = _with_contacts(due.customers.exclude(Exists(already)), channel=channel)
    send_at = _send_at(rule, day, now, channel)
    with translation.override(settings.LANGUAGE_CODE):
        values = {"occasion": due.label, **due.values}
    by_sql = Q(name__regex=VERBATIM) & ~Q(touch_status=CareStatus.SKIPPED_NO_ADDRESS, abroad=True)

    def filled(text: str) -> Replace:
        return Replace(Value(render_with_slot(text, values, "customer_name")), Value(SLOT), F("name"))

    selected = contacts.filter(by_sql).annotate(
        t_customer=F("pk"),
        t_rule=Value(rule.pk),
        t_occasion=Value(due.occasion),
        t_kind=Value(rule.kind),
        t_channel=Value(channel),
        t_status=F("touch_status"),
        t_address=F("touch_address"),
        t_subject=Left(filled(template.subject), 255) if channel == CareChannel.EMAIL else Value(""),
        t_message=filled(template.body),
        t_note=Value(""),
        t_send_at=Value(send_at, output_field=DateTimeField()),
        t_at=Case(
            When(touch_status=CareStatus.SCHEDULED.value, then=Value(None)),
            default=Value(send_at),
            output_field=DateTimeField(),
        ),
    )
    names = ["customer", "rule", "occasion", "kind", "channel", "status", "address", "subject", "message",
             "note", "send_at", "at"]  # fmt: skip
    new = insert_select(
        CareTouch,
        columns=[CareTouch._meta.get_field(n).column for n in names],
        queryset=selected.values(*(f"t_{n}" for n in names)),
        unique=("customer_id", "occasion"),
        count_by="status",
    )
    counts.update({CareStatus(status): n for status, n in new.items()})
    where = {"rule": rule, "kind": rule.kind, "channel": channel, "send_at": send_at}
    # Those left without the occasion now (`already` excludes the rows just stored) are the few others:
    # a name SQL does not put in as it is, or a number abroad (filtered first: the scan stays cheap).
    few = contacts.filter(~Q(name__regex=VERBATIM) | Q(abroad=True))
    batch = [
        _touch(row, template=template, channel=channel, occasion=due.occasion, send_at=send_at, values=values)
        for row in few.values(*CONTACT_VALUES).order_by("pk")
    ]
    _store(batch, counts, **where)


def _renewals(rule: CareRule, day: date, now: datetime, counts: Counter) -> None:
    """Reminders before active contracts end: the customer `customer_days_before`, the responsible
    person `staff_days_before` — once per contract and end date, on the first run inside the window."""
    audience = _audience(rule)
    for days, staff in ((rule.customer_days_before, False), (rule.staff_days_before, True)):
        if days is None:
            continue
        prefix = "renewal-staff" if staff else "renewal"
        contracts = list(
            Contract.objects.filter(
                is_active=True,
                expires_on__gte=day,
                expires_on__lte=day + timedelta(days=days),
                customer__in=audience,
            ).values("pk", "customer_id", "name", "expires_on")
        )
        occasions = {f"{prefix}:{c['pk']}:{c['expires_on']:%Y-%m-%d}": c for c in contracts}
        done = set(
            CareTouch.objects.filter(
                customer_id__in={c["customer_id"] for c in contracts}, occasion__in=list(occasions)
            ).values_list("occasion", flat=True)
        )
        todo = {occasion: c for occasion, c in occasions.items() if occasion not in done}
        if not todo:
            continue
        if staff:
            _staff_reminders(rule, todo, now, counts)
            continue
        rows = {
            row["pk"]: row
            for row in _with_contacts(
                Customer.objects.filter(pk__in={c["customer_id"] for c in todo.values()}),
                channel=rule.channel,
            ).values(*CONTACT_VALUES)
        }
        send_at = _send_at(rule, day, now, rule.channel)
        touches = [
            _touch(
                rows[c["customer_id"]],
                template=rule.template,
                channel=rule.channel,
                occasion=occasion,
                send_at=send_at,
                values={
                    "occasion": c["name"],
                    "contract": c["name"],
                    "expires_on": f"{c['expires_on']:%Y-%m-%d}",
                },
            )
            for occasion, c in todo.items()
        ]
        _store(touches, counts, rule=rule, kind=CareKind.RENEWAL, channel=rule.channel, send_at=send_at)


def _staff_reminders(rule: CareRule, todo: dict[str, dict], now: datetime, counts: Counter) -> None:
    """The responsible person's reminder (专人负责): an in-app notification, recorded as a touch."""
    owners = dict(
        Customer.objects.filter(pk__in={c["customer_id"] for c in todo.values()}).values_list(
            "pk", "owner_id"
        )
    )
    people = User.objects.in_bulk({o for o in owners.values() if o})
    names = dict(Customer.objects.filter(pk__in=owners).values_list("pk", "name"))
    touches = []
    for occasion, c in todo.items():
        person = people.get(owners.get(c["customer_id"]))
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(customer)s: “%(contract)s” expires on %(date)s") % {
                "customer": names[c["customer_id"]],
                "contract": c["name"],
                "date": f"{c['expires_on']:%Y-%m-%d}",
            }
        sent = person is not None and person.is_active
        if sent:
            notify(users=[person], kind=NotificationKind.RENEWAL, title=title)
        touches.append(
            CareTouch(
                customer_id=c["customer_id"],
                rule=rule,
                occasion=occasion,
                kind=CareKind.RENEWAL,
                channel=CareChannel.STAFF,
                status=CareStatus.SENT if sent else CareStatus.SKIPPED_NO_ADDRESS,
                staff=person if sent else None,
                message=title,
                note="" if sent else _("No active responsible person."),
                send_at=now,
                at=now,
            )
        )
    CareTouch.objects.bulk_create(touches, ignore_conflicts=True)  # a few a day: the ORM's way
    counts.update(t.status for t in touches)


def care_message(
    *,
    customers: QuerySet[Customer],
    template: MessageTemplate,
    occasion: str,
    kind: str,
    values: dict,
    now: datetime,
) -> Counter:
    """One message from `template` to each of `customers` for a one-off `occasion` (a hand-over
    notice), recorded as touches like the care run's: consent per channel honoured, SMS held over
    the quiet hours, sent after the commit. Not a care greeting, so an opt-out of care does not apply."""
    counts: Counter = Counter()
    channel = template.channel
    send_at = (quiet_until(now) or now) if channel == CareChannel.SMS else now
    already = CareTouch.objects.filter(customer=OuterRef("pk"), occasion=occasion)
    touches = [
        _touch(
            row,
            template=template,
            channel=channel,
            occasion=occasion,
            send_at=send_at,
            values=values,
        )
        for row in _with_contacts(customers.exclude(Exists(already)), channel=channel, opt_out_applies=False)
        .values(*CONTACT_VALUES)
        .order_by("pk")
    ]
    _store(touches, counts, rule=None, kind=kind, channel=channel, send_at=send_at)
    transaction.on_commit(lambda: care_touches_send(now=now))
    return counts


@dataclass
class CareRun:
    day: date
    counts: Counter
    sent: int

    @property
    def created(self) -> int:
        return sum(self.counts.values())


def care_run(*, day: date | None = None, now: datetime | None = None) -> CareRun:
    """The daily care run (客户关怀): record every touch due on `day` (default: today in the center's
    zone) by the active rules, then send what is due by `now`. Safe to run twice: the second run
    creates and sends nothing."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    counts: Counter = Counter()
    for rule in CareRule.objects.filter(is_active=True).select_related("template").order_by("id"):
        if not rule.template.is_active:
            log.warning("care rule %s skipped: its template %s is not active", rule.pk, rule.template_id)
            continue
        # The messages speak the center's language, whatever the caller's (a page's request) is.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            if rule.kind == CareKind.RENEWAL:
                _renewals(rule, day, now, counts)
            else:
                for due in occasions_on(rule, day, now):
                    _record(due, day, now, counts)
    sent = counts[CareStatus.SENT] + care_touches_send(now=now)  # staff reminders are sent as recorded
    recorded = ", ".join(f"{n} {status.value}" for status, n in sorted(counts.items()))
    log.info("care run %s: %s; %s sent", day, recorded or "nothing due", sent)
    return CareRun(day, counts, sent)


# --- sending -----------------------------------------------------------------------------------


def _sep(text: str) -> str:
    """Nothing after Chinese end punctuation (…快乐！回TD退订), else a space."""
    return "" if text.endswith(("。", "！", "？", "）", "】")) else " "


def _deliver(touch: CareTouch) -> None:
    """Send one touch. A care message (not a hand-over notice, which opt-out does not stop) says how
    to stop them: an SMS ends with the reply keyword, as Chinese carriers require of marketing SMS
    (inside the text, so the segments count it); an email ends with the customer's own link and
    carries it as List-Unsubscribe with the one-click form (RFC 2369, RFC 8058)."""
    care = touch.kind != CareKind.HANDOVER
    with translation.override(settings.LANGUAGE_CODE):
        if touch.channel == CareChannel.SMS:
            text = (
                f"{touch.message}{_sep(touch.message)}{_('Reply TD to unsubscribe')}"
                if care
                else touch.message
            )
            send_sms(to=touch.address, text=text, template=f"care_{touch.kind}")
            return
        body, headers = touch.message, {}
        if care:
            url = opt_out_url(touch.customer_id)
            body = f"{body}\n\n{_('No more care emails? Unsubscribe: %(url)s') % {'url': url}}"
            headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        EmailMessage(
            subject=touch.subject or _("Greetings"), body=body, to=[touch.address], headers=headers
        ).send(fail_silently=False)


def care_touches_send(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Send the scheduled touches due by `now`; returns how many were sent. Idempotent.

    Consent and opt-out are read again at sending: a customer who withdrew consent after the run is
    skipped. A channel's refusal marks the touch failed with the reason.
    """
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        # Claimed under row locks (skipped when locked) so two workers never send the same touch.
        due = list(
            CareTouch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=CareStatus.SCHEDULED, send_at__lte=now)
            .select_related("customer")
            .order_by("send_at", "id")[:limit]
        )
        opted_out = set(
            CareOptOut.objects.filter(customer_id__in={t.customer_id for t in due}).values_list(
                "customer_id", flat=True
            )
        )
        for touch in due:
            customer = touch.customer
            consent = customer.consent_sms if touch.channel == CareChannel.SMS else customer.consent_email
            if touch.customer_id in opted_out and touch.kind != CareKind.HANDOVER:
                touch.status = CareStatus.SKIPPED_OPT_OUT
            elif not consent:
                touch.status = CareStatus.SKIPPED_NO_CONSENT
            else:
                try:
                    _deliver(touch)
                except (SmsError, OSError, ValueError) as exc:
                    touch.status, touch.note = CareStatus.FAILED, str(exc)[:255]
                else:
                    touch.status = CareStatus.SENT
                    sent += 1
            touch.at = now
        update_each(
            CareTouch, columns=("status", "note", "at"), rows=[(t.pk, t.status, t.note, t.at) for t in due]
        )
    return sent


# --- reads -------------------------------------------------------------------------------------


def touches_of(customer: Customer | int) -> QuerySet[CareTouch]:
    """The customer's (or the customer id's) care touches, newest first (the customer 360 timeline
    reads these)."""
    return (
        CareTouch.objects.filter(customer=customer)
        .select_related("rule", "staff")
        .order_by("-send_at", "-id")
    )


def recent_touches(*, limit: int = 50) -> QuerySet[CareTouch]:
    return CareTouch.objects.select_related("customer", "rule").order_by("-send_at", "-id")[:limit]


@dataclass(frozen=True)
class Upcoming:
    day: date
    rule: CareRule
    label: str
    count: int


@dataclass(frozen=True)
class _Birthday:
    """A birthday as the record keeps it, to ask `next_birthday` once per distinct birthday."""

    birthday_calendar: str
    birth_month: int
    birth_day: int
    birthday_leap_month: bool


def upcoming(*, today: date, days: int = 30) -> list[Upcoming]:
    """The occasions of the active rules in the next `days` days with how many customers each concerns.

    Birthdays are counted per distinct (calendar, month, day, leap) in one query and placed with
    `next_birthday`, so the page does not scan the customers once per day.
    """
    end = today + timedelta(days=days)
    found: list[Upcoming] = []
    for rule in CareRule.objects.filter(is_active=True).order_by("id"):
        audience = _audience(rule)
        if rule.kind == CareKind.BIRTHDAY:
            per_day: Counter = Counter()
            groups = (
                audience.filter(birth_month__isnull=False, birth_day__isnull=False)
                .values_list("birthday_calendar", "birth_month", "birth_day", "birthday_leap_month")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for cal, month, dd, leap, n in groups:
                at = next_birthday(_Birthday(cal or BirthdayCalendar.SOLAR, month, dd, leap), today)
                if at is not None and at < end:
                    per_day[at] += n
            found += [Upcoming(d, rule, _("Birthdays"), n) for d, n in per_day.items()]
        elif rule.kind == CareKind.HOLIDAY:
            size = None
            for key in rule.holidays:
                for year in {today.year, end.year}:
                    at = festival_day(key, year) if key in GREETING_DAYS else None
                    if at is not None and today <= at < end:
                        size = audience.count() if size is None else size
                        found.append(Upcoming(at, rule, str(GREETING_NAMES[key]), size))
        elif rule.kind == CareKind.RENEWAL:
            lead = max(rule.customer_days_before or 0, rule.staff_days_before or 0)
            ends = (
                Contract.objects.filter(
                    is_active=True,
                    expires_on__gte=today,
                    expires_on__lt=end + timedelta(days=lead),
                    customer__in=audience,
                )
                .values_list("expires_on", flat=True)
                .order_by()
            )
            per_day = Counter()
            for expires in ends:
                for before in (rule.customer_days_before, rule.staff_days_before):
                    if before is not None:
                        at = max(expires - timedelta(days=before), today)
                        if at < end:
                            per_day[at] += 1
            found += [Upcoming(d, rule, _("Renewal reminders"), n) for d, n in per_day.items()]
        elif rule.kind == CareKind.TOUCH and rule.every_days:
            now = timezone.now()
            due = occasions_on(rule, today, now)[0].customers.count()
            if due:
                found.append(Upcoming(today, rule, _("Due for a touch"), due))
    return sorted(found, key=lambda u: (u.day, u.rule.pk, u.label))
