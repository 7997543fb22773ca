"""The care calendar: birthdays (solar and lunar), holidays, regular touches and renewal reminders,
each once per occasion, honouring consent, opt-out and the SMS quiet hours (21:00–08:00 here)."""

from datetime import date, time

import pytest
from django.core import mail

from kefu.callbacks.models import Contract
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.crm.care import care_rule_save, care_run, care_touches_send, touches_of, upcoming
from kefu.crm.models import CareChannel, CareKind, CareRule, CareStatus, CareTouch
from kefu.crm.optout import care_opt_out
from kefu.customers.models import BirthdayCalendar, CustomerEmail
from kefu.notify.models import MessageTemplate, Notification, TemplateChannel, TemplateKind
from tests.factories import CustomerFactory, aware

pytestmark = pytest.mark.django_db


def birthday_rule(template, **kw):
    return CareRule.objects.create(name="生日短信", kind=CareKind.BIRTHDAY, template=template, **kw)


def test_a_solar_birthday_is_greeted_on_the_day_and_only_once(greeting, sms_outbox):
    birthday_rule(greeting)
    wang = CustomerFactory(name="王芳", phone="13800138000", birth_month=12, birth_day=3)
    assert care_run(day=date(2026, 12, 2), now=aware(2026, 12, 2, 9, 0)).created == 0  # the day before

    first = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))
    again = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 10, 0))

    assert (first.created, first.sent) == (1, 1)
    assert (again.created, again.sent) == (0, 0)  # run twice: nothing new
    (touch,) = touches_of(wang)
    assert (touch.occasion, touch.status, touch.address) == ("birthday:2026", CareStatus.SENT, "13800138000")
    (sms,) = sms_outbox
    assert sms.text == "王芳您好，祝您生日快乐！回TD退订"  # the opt-out hint: test_opt_out.py


def test_a_lunar_birthday_is_greeted_on_its_lunar_date(greeting, sms_outbox):
    birthday_rule(greeting)
    li = CustomerFactory(
        phone="13900139000", birth_month=8, birth_day=15, birthday_calendar=BirthdayCalendar.LUNAR
    )
    # 八月十五 of lunar 2026 is 2026-09-25 (lunar-python); not the solar 15 August.
    assert care_run(day=date(2026, 8, 15), now=aware(2026, 8, 15, 9, 0)).created == 0
    assert care_run(day=date(2026, 9, 24), now=aware(2026, 9, 24, 9, 0)).created == 0
    assert care_run(day=date(2026, 9, 25), now=aware(2026, 9, 25, 9, 0)).sent == 1
    assert care_run(day=date(2026, 9, 25), now=aware(2026, 9, 25, 12, 0)).created == 0
    assert [t.occasion for t in touches_of(li)] == ["birthday:2026"]
    assert len(sms_outbox) == 1


def test_no_consent_is_skipped_and_recorded(greeting, sms_outbox):
    birthday_rule(greeting)
    quiet = CustomerFactory(phone="13800138001", birth_month=12, birth_day=3, consent_sms=False)
    run = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))
    assert run.counts == {CareStatus.SKIPPED_NO_CONSENT: 1}
    assert touches_of(quiet).get().status == CareStatus.SKIPPED_NO_CONSENT
    assert sms_outbox == []
    assert care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 10, 0)).created == 0  # recorded once


def test_no_mobile_is_skipped_and_an_opt_out_wins_over_consent(greeting, sms_outbox):
    birthday_rule(greeting)
    landline = CustomerFactory(phone="01012345678", birth_month=12, birth_day=3)
    opted = CustomerFactory(phone="13800138002", birth_month=12, birth_day=3)
    care_opt_out(customer=opted, via="call")
    care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))
    assert touches_of(landline).get().status == CareStatus.SKIPPED_NO_ADDRESS
    assert touches_of(opted).get().status == CareStatus.SKIPPED_OPT_OUT
    assert sms_outbox == []


def test_an_sms_due_in_the_quiet_hours_waits_for_the_morning(greeting, sms_outbox):
    birthday_rule(greeting)
    late = CustomerFactory(phone="13800138003", birth_month=12, birth_day=3)
    run = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 22, 15))  # a run late in the evening
    touch = touches_of(late).get()
    assert (run.sent, touch.status) == (0, CareStatus.SCHEDULED)
    assert touch.send_at == aware(2026, 12, 4, 8, 0)  # the quiet hours end at 08:00
    assert care_touches_send(now=aware(2026, 12, 4, 7, 59)) == 0
    assert care_touches_send(now=aware(2026, 12, 4, 8, 0)) == 1
    assert care_touches_send(now=aware(2026, 12, 4, 8, 5)) == 0  # sent once
    assert len(sms_outbox) == 1


def test_a_run_before_the_send_time_schedules_it_and_consent_is_read_again_when_sending(greeting, sms_outbox):
    birthday_rule(greeting, send_time=time(10, 0))
    changed = CustomerFactory(phone="13800138004", birth_month=12, birth_day=3)
    care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 0, 5))
    assert touches_of(changed).get().send_at == aware(2026, 12, 3, 10, 0)
    changed.consent_sms = False
    changed.save()
    assert care_touches_send(now=aware(2026, 12, 3, 10, 0)) == 0
    assert touches_of(changed).get().status == CareStatus.SKIPPED_NO_CONSENT


def test_a_holiday_greets_each_customer_of_the_tiers_once_by_email(db):
    card = MessageTemplate.objects.create(
        name="中秋",
        kind=TemplateKind.FREE,
        channel=TemplateChannel.EMAIL,
        subject="{occasion}快乐",
        body="{customer_name}：月圆人团圆。",
    )
    CareRule.objects.create(
        name="中秋问候", kind=CareKind.HOLIDAY, channel=CareChannel.EMAIL, template=card,
        holidays=["mid_autumn"], tiers=["A"],
    )  # fmt: skip
    a = CustomerFactory(name="赵总", tier_id="A")
    CustomerEmail.objects.create(customer=a, address="zhao@example.com")
    c = CustomerFactory(tier_id="C")
    CustomerEmail.objects.create(customer=c, address="c@example.com")
    # 中秋 2026 is 25 September (八月十五).
    assert care_run(day=date(2026, 9, 24), now=aware(2026, 9, 24, 9)).created == 0
    assert care_run(day=date(2026, 9, 25), now=aware(2026, 9, 25, 9)).sent == 1
    assert care_run(day=date(2026, 9, 25), now=aware(2026, 9, 25, 10)).created == 0
    (message,) = mail.outbox
    assert (message.to, message.subject, message.body.split("\n\n")[0]) == (
        ["zhao@example.com"],
        "中秋节快乐",
        "赵总：月圆人团圆。",  # then the opt-out link (test_opt_out.py)
    )
    assert touches_of(a).get().occasion == "holiday:mid_autumn:2026"
    assert not touches_of(c).exists()


def test_a_regular_touch_comes_every_n_days(greeting, sms_outbox):
    CareRule.objects.create(
        name="月度联系", kind=CareKind.TOUCH, template=greeting, every_days=30, tiers=["A"]
    )
    a = CustomerFactory(phone="13800138005", tier_id="A")
    assert care_run(day=date(2026, 11, 1), now=aware(2026, 11, 1, 9)).sent == 1
    assert care_run(day=date(2026, 11, 2), now=aware(2026, 11, 2, 9)).created == 0
    assert care_run(day=date(2026, 11, 30), now=aware(2026, 11, 30, 9)).created == 0  # 29 days later
    assert care_run(day=date(2026, 12, 1), now=aware(2026, 12, 1, 9)).sent == 1  # 30 days later
    assert [t.occasion for t in touches_of(a)] == ["touch:2026-12-01", "touch:2026-11-01"]


def test_renewal_reminders_go_to_staff_and_customer_on_their_days_per_tier(org, reminder, sms_outbox):
    # A: the customer 30 days before, the responsible person 7 days before; B/C: the customer 7 days before.
    CareRule.objects.create(
        name="A续费", kind=CareKind.RENEWAL, template=reminder, tiers=["A"],
        customer_days_before=30, staff_days_before=7,
    )  # fmt: skip
    CareRule.objects.create(
        name="BC续费", kind=CareKind.RENEWAL, template=reminder, tiers=["B", "C"], customer_days_before=7
    )
    a = CustomerFactory(name="甲公司", phone="13800138006", tier_id="A", owner=org.agent)
    b = CustomerFactory(name="乙", phone="13800138007", tier_id="B", owner=org.agent2)
    Contract.objects.create(customer=a, name="域名 kefu.cn", expires_on=date(2026, 12, 31))
    Contract.objects.create(customer=b, name="主机托管", expires_on=date(2026, 12, 31))

    assert care_run(day=date(2026, 11, 30), now=aware(2026, 11, 30, 9)).created == 0  # 31 days before
    on_30 = care_run(day=date(2026, 12, 1), now=aware(2026, 12, 1, 9))  # 30 days before: A's customer
    assert (on_30.created, on_30.sent) == (1, 1)
    assert sms_outbox[0].text == "甲公司您好，您的域名 kefu.cn将于2026-12-31到期。回TD退订"
    assert care_run(day=date(2026, 12, 2), now=aware(2026, 12, 2, 9)).created == 0

    on_7 = care_run(
        day=date(2026, 12, 24), now=aware(2026, 12, 24, 9)
    )  # 7 days before: A's staff, B's customer
    assert (on_7.created, on_7.sent) == (2, 2)
    staff_touch = touches_of(a).get(channel=CareChannel.STAFF)
    assert staff_touch.staff == org.agent
    assert Notification.objects.filter(user=org.agent, kind="renewal").count() == 1
    assert not Notification.objects.filter(user=org.agent2).exists()  # B has no staff reminder
    assert touches_of(b).get().channel == CareChannel.SMS
    assert care_run(day=date(2026, 12, 25), now=aware(2026, 12, 25, 9)).created == 0
    assert len(sms_outbox) == 2


def test_a_renewal_reminder_missed_for_a_day_still_goes_once(org, reminder, sms_outbox):
    CareRule.objects.create(name="续费", kind=CareKind.RENEWAL, template=reminder, customer_days_before=7)
    c = CustomerFactory(phone="13800138008")
    Contract.objects.create(customer=c, name="服务", expires_on=date(2026, 12, 31))
    assert care_run(day=date(2026, 12, 26), now=aware(2026, 12, 26, 9)).sent == 1  # the 24th's run was lost
    assert care_run(day=date(2026, 12, 27), now=aware(2026, 12, 27, 9)).created == 0


def test_care_rules_are_kept_by_managers_and_checked(org, greeting):
    with pytest.raises(PermissionDenied):
        care_rule_save(rule=None, by=org.agent, name="x", kind=CareKind.BIRTHDAY, template=greeting)
    with pytest.raises(ValidationError) as bad:
        care_rule_save(
            rule=None, by=org.manager, name="夜间", kind=CareKind.HOLIDAY, template=greeting,
            send_time=time(22, 0), tiers=["Z"], holidays=[],
        )  # fmt: skip
    assert set(bad.value.errors) == {"send_time", "tiers", "holidays"}
    email = MessageTemplate.objects.create(
        name="e", kind=TemplateKind.FREE, channel=TemplateChannel.EMAIL, body="x"
    )
    with pytest.raises(ValidationError) as wrong:
        care_rule_save(rule=None, by=org.manager, name="生日", kind=CareKind.BIRTHDAY, template=email)
    assert set(wrong.value.errors) == {"template"}
    rule = care_rule_save(rule=None, by=org.manager, name="生日", kind=CareKind.BIRTHDAY, template=greeting)
    assert rule.pk and rule.channel == CareChannel.SMS


def test_upcoming_lists_the_next_30_days(greeting):
    birthday_rule(greeting)
    CustomerFactory(birth_month=12, birth_day=10)
    CustomerFactory(birth_month=12, birth_day=10)
    CustomerFactory(birth_month=1, birth_day=20)  # 48 days after 3 Dec: beyond the window
    rows = upcoming(today=date(2026, 12, 3))
    assert [(u.day, u.count) for u in rows] == [(date(2026, 12, 10), 2)]
    assert CareTouch.objects.count() == 0  # reading records nothing


def test_the_set_insert_and_the_one_by_one_path_give_the_same_touches(greeting, sms_outbox):
    """Plain names go by one INSERT ... SELECT (the name put into the message by SQL); a name the
    template's punctuation rules change, and a customer whose only mobile is kept abroad, go one by one."""
    birthday_rule(greeting)
    plain = CustomerFactory(name="王芳", phone="13800138000", birth_month=12, birth_day=3)
    dotted = CustomerFactory(name="李雷，", phone="13800138003", birth_month=12, birth_day=3)  # "，" dropped
    abroad = CustomerFactory(name="Tom", phone="+447911123456", birth_month=12, birth_day=3)
    both = CustomerFactory(name="陈晨", phone="01012345678", birth_month=12, birth_day=3)
    both.phones.create(number="13800138004")  # a landline first, then a mobile: the mobile is used
    run = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))

    assert (run.created, run.sent, run.counts) == (4, 4, {CareStatus.SCHEDULED: 4})  # recorded, then sent
    got = {t.customer_id: (t.address, t.message) for t in CareTouch.objects.all()}
    assert got == {
        plain.pk: ("13800138000", "王芳您好，祝您生日快乐！"),
        dotted.pk: ("13800138003", "李雷您好，祝您生日快乐！"),
        abroad.pk: ("+447911123456", "Tom您好，祝您生日快乐！"),
        both.pk: ("13800138004", "陈晨您好，祝您生日快乐！"),
    }
    assert care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 10, 0)).created == 0
