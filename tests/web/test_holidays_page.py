"""Next year's calendar from a manager's chair: the December banner, the prefilled form, the
corrected deadline (issue: 2027 counted 1 January as a working day)."""

from datetime import date, time

import pytest
import time_machine
from django.urls import reverse

from kefu.core.calendars import clear_calendar_cache
from kefu.core.models import CalendarOverride, Shift
from kefu.tickets.models import SlaClock, SlaTarget
from tests.factories import aware
from tests.web.conftest import make_ticket

DECEMBER = aware(2026, 12, 20, 10, 0)
BANNER = "holiday-banner"


@pytest.fixture
def december():
    with time_machine.travel(DECEMBER, tick=False):
        yield


def form_data(client, year: int, **changes) -> dict:
    """The form's fields as the page fills them, with `changes` applied (name → value)."""
    page = client.get(reverse("org:holidays_year", args=[year]))
    form = page.context["holiday_forms"]
    data = {
        "holidays-TOTAL_FORMS": str(form.total_form_count()),
        "holidays-INITIAL_FORMS": str(form.initial_form_count()),
        "workdays-TOTAL_FORMS": "3",
        "workdays-INITIAL_FORMS": "0",
    }
    for n, row in enumerate(form):
        for name in ("name", "start", "end"):
            value = row.initial.get(name, "")
            data[f"holidays-{n}-{name}"] = value.isoformat() if isinstance(value, date) else value
    data.update(changes)
    return data


def test_in_december_managers_see_the_banner_and_agents_do_not(org, as_user, december):
    manager = as_user(org.manager).get(reverse("workspace:home"))
    assert BANNER in manager.content.decode()
    assert "2027" in manager.content.decode()
    assert BANNER not in as_user(org.agent).get(reverse("workspace:home")).content.decode()
    assert as_user(org.agent).get(reverse("org:holidays")).status_code == 403


def test_no_banner_before_november(org, as_user):
    with time_machine.travel(aware(2026, 10, 20, 10, 0), tick=False):
        assert BANNER not in as_user(org.manager).get(reverse("workspace:home")).content.decode()


def test_the_form_is_prefilled_with_next_years_statutory_days(org, as_user, december):
    page = as_user(org.manager).get(reverse("org:holidays"))
    assert page.context["year"] == 2027
    rows = {row.initial["name"]: row.initial for row in page.context["holiday_forms"] if row.initial}
    spring = next(r for name, r in rows.items() if "春节" in name)
    assert (spring["start"], spring["end"]) == (date(2027, 2, 5), date(2027, 2, 8))
    assert 'type="date"' in page.content.decode()
    assert 'value="2027-02-05"' in page.content.decode()  # ISO, as a date picker needs, in Chinese too


def test_entering_the_arrangement_corrects_the_deadline_and_ends_the_banner(org, as_user, december):
    Shift.objects.update(start=time(0), end=time(0))  # round the clock: a 24-hour complaint clock
    clear_calendar_cache()
    ticket = make_ticket(org)
    clock = SlaClock.objects.get(ticket=ticket, target=SlaTarget.RESOLUTION)
    clock.running_since = clock.started_at = aware(2026, 12, 31, 10, 0)
    clock.due_at = clock.next_action_at = aware(2027, 1, 1, 10, 0)  # as computed before: 1 January "working"
    clock.save()

    client = as_user(org.manager)
    data = form_data(
        client,
        2027,
        **{"holidays-0-end": "2027-01-03", "workdays-0-date": "2027-02-20", "workdays-0-name": "春节"},
    )
    answer = client.post(reverse("org:holidays_year", args=[2027]), data)
    assert answer.status_code == 302

    clock.refresh_from_db()
    assert clock.due_at == aware(2027, 1, 4, 10, 0)
    assert CalendarOverride.objects.get(date=date(2027, 2, 20)).kind == "workday"
    assert BANNER not in client.get(reverse("workspace:home")).content.decode()


def test_a_bad_row_is_shown_on_its_row_and_nothing_is_saved(org, as_user, december):
    client = as_user(org.manager)
    data = form_data(client, 2027, **{"holidays-0-end": "2026-12-01", "workdays-0-date": "2027-02-06"})
    page = client.post(reverse("org:holidays_year", args=[2027]), data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "最后一天早于第一天" in text or "The last day is before the first." in text
    assert not CalendarOverride.objects.exists()
