"""The demo's care calendar (客户关怀) and a departed colleague (离职交接).

Rules as a mall's service center keeps them: a birthday SMS for everyone, festival greetings for the
A and B customers (中秋, 春节, 元宵; an email in Chinese and English for those with an address),
a monthly touch for A, and renewal reminders before a membership or service contract ends (A: the
customer 30 days before and the responsible person 7 days before; B and C: the customer 7 days
before). Some customers have their birthday today or in the coming weeks (one on the lunar
calendar, one who does not want SMS), some contracts end soon; yesterday's run has sent its
messages and today's has run, so the page shows sent, skipped and upcoming touches on first start.

Three customers opted out of care (退订) the ways customers do, so their touches show as skipped:
an A customer through the link of a festival email, one whose birthday is today by replying "TD"
to an SMS, and an A customer on a call, recorded by the agent. Another customer's SMS reply is a
question: it became a work order on the SMS channel.

周明, an agent who left, handed his customers and open work orders to 赵磊 in one step; 孙浩, who
left earlier and was deactivated in the admin, still holds a customer — the nightly check lists him.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from kefu.accounts.models import Role, User
from kefu.callbacks.models import Contract
from kefu.core.lunar import LunarDay
from kefu.crm.care import care_run
from kefu.crm.handover import handover
from kefu.crm.models import CareChannel, CareKind, CareRule
from kefu.crm.optout import VIA_EMAIL_LINK, care_opt_out
from kefu.customers.models import BirthdayCalendar, Customer
from kefu.customers.phones import is_mobile
from kefu.intake.sms.services import sms_receive
from kefu.notify.models import MessageTemplate, TemplateChannel, TemplateKind
from kefu.tickets.models import OPEN_STATUSES, Ticket

TEMPLATES = {
    "birthday": (
        TemplateChannel.SMS,
        "",
        "{customer_name}您好，今天是您的生日，客服中心祝您生日快乐、万事如意！",
    ),
    "festival": (
        TemplateChannel.SMS,
        "",
        "{customer_name}您好，{occasion}到了，客服中心祝您和家人节日快乐！",
    ),
    "festival_email": (
        TemplateChannel.EMAIL,
        "{occasion} · Season's greetings",
        "尊敬的{customer_name}：\n值此{occasion}，客服中心全体同事祝您节日快乐、阖家幸福！\n\n"
        "Dear {customer_name}, all of us at the service center wish you and your family a happy festival.",
    ),
    "touch": (
        TemplateChannel.SMS,
        "",
        "{customer_name}您好，近来购物还顺心吗？有任何需要请随时致电客服中心，我们一直都在。",
    ),
    "renewal": (
        TemplateChannel.SMS,
        "",
        "{customer_name}您好，您的{contract}将于{expires_on}到期，续费请致电客服中心或到服务台办理。",
    ),
    "handover": (
        TemplateChannel.SMS,
        "",
        "{customer_name}您好，您的专属客服已变更为{agent_no}，有事请随时联系我们。",
    ),
}
NAMES = {
    "birthday": "生日祝福短信",
    "festival": "节日问候短信",
    "festival_email": "节日问候邮件 / Festival greeting email",
    "touch": "月度问候短信",
    "renewal": "续费提醒短信",
    "handover": "专属客服变更通知",
}


def care_demo_load(*, people: dict, customers: list[Customer], rng: random.Random, now: datetime) -> dict:
    """The rules, birthdays, contracts and two runs (yesterday's and today's) described above."""
    templates = {
        key: MessageTemplate.objects.create(
            name=NAMES[key], kind=TemplateKind.FREE, channel=channel, subject=subject, body=body
        )
        for key, (channel, subject, body) in TEMPLATES.items()
    }
    rules = [
        ("生日祝福 Birthday", CareKind.BIRTHDAY, [], CareChannel.SMS, templates["birthday"], {}),
        (
            "节日问候（A/B）Festivals",
            CareKind.HOLIDAY,
            ["A", "B"],
            CareChannel.SMS,
            templates["festival"],
            {"holidays": ["spring_festival", "lantern", "mid_autumn"]},
        ),
        (
            "国庆元旦邮件 National Day & New Year",
            CareKind.HOLIDAY,
            [],
            CareChannel.EMAIL,
            templates["festival_email"],
            {"holidays": ["national_day", "new_year"]},
        ),
        (
            "A 类月度问候 Monthly touch",
            CareKind.TOUCH,
            ["A"],
            CareChannel.SMS,
            templates["touch"],
            {"every_days": 30},
        ),
        (
            "A 类续费提醒 Renewal (A)",
            CareKind.RENEWAL,
            ["A"],
            CareChannel.SMS,
            templates["renewal"],
            {"customer_days_before": 30, "staff_days_before": 7},
        ),
        (
            "B/C 类续费提醒 Renewal (B, C)",
            CareKind.RENEWAL,
            ["B", "C"],
            CareChannel.SMS,
            templates["renewal"],
            {"customer_days_before": 7},
        ),
    ]
    for name, kind, tiers, channel, template, extra in rules:
        CareRule.objects.create(
            name=name,
            kind=kind,
            tiers=tiers,
            channel=channel,
            template=template,
            send_time=time(9, 0),
            **extra,
        )

    today = timezone.localdate(now)
    yesterday = today - timedelta(days=1)
    a_customers = [c for c in customers if c.tier_id == "A"]
    for c in a_customers:
        c.owner = people["agent"] if c.pk % 2 else people["agent2"]
    Customer.objects.bulk_update(a_customers, ["owner"])
    pool = [c for c in customers if c.tier_id != "A"]
    rng.shuffle(pool)
    _birthday(pool[0], yesterday)  # greeted yesterday
    _birthday(pool[1], yesterday, consent_sms=False)  # no SMS wanted: skipped, recorded
    _birthday(pool[2], today)
    lunar = LunarDay.of(today)  # a lunar birthday today (农历 month/day of today)
    pool[3].birthday_calendar = BirthdayCalendar.LUNAR
    pool[3].birth_month, pool[3].birth_day, pool[3].birth_year = lunar.month, lunar.day, 1968
    pool[3].birthday_leap_month = lunar.leap
    pool[3].save(
        update_fields=["birthday_calendar", "birth_month", "birth_day", "birth_year", "birthday_leap_month"]
    )
    for n, c in enumerate(pool[4:16]):  # birthdays spread over the coming weeks
        _birthday(c, today + timedelta(days=2 + n * 2))
    for n, c in enumerate(a_customers[:3]):
        Contract.objects.create(
            customer=c,
            name=["金卡会员年费", "家电延保服务", "停车月卡"][n],
            expires_on=today + timedelta(days=[7, 20, 30][n]),
        )
    for n, c in enumerate(pool[16:20]):
        Contract.objects.create(
            customer=c, name="银卡会员年费", expires_on=today + timedelta(days=[3, 7, 12, 25][n])
        )

    _opt_outs(people, a_customers, pool[20:], today, now)

    yesterday_at = timezone.make_aware(datetime.combine(yesterday, time(9, 30)))
    first = care_run(day=yesterday, now=min(yesterday_at, now))
    second = care_run(day=today, now=now)
    handed = _departed(people, customers, templates["handover"], rng, now)
    return {"care_touches": first.created + second.created, "handed_over": handed}


def _opt_outs(people: dict, a_customers: list[Customer], others: list[Customer], today: date, now: datetime):
    """Opted out by the email's link, by an SMS reply "TD" and by an agent; and an SMS question."""
    with_email = next((c for c in a_customers if c.emails.exists()), a_customers[0])
    care_opt_out(customer=with_email, via=VIA_EMAIL_LINK, now=now - timedelta(days=12))
    on_call = next(c for c in a_customers if c.pk != with_email.pk)
    care_opt_out(customer=on_call, by=people["agent"], now=now - timedelta(days=5))
    texters = [(c, n) for c in others for n in c.phones.values_list("number", flat=True) if is_mobile(n)]
    (texter, number), (asker, asker_number) = texters[:2]
    _birthday(texter, today)  # today's greeting is skipped: they replied TD to an earlier SMS
    sms_receive(sender=f"+86 {number}", text="TD", at=now - timedelta(days=3), now=now)
    sms_receive(
        sender=asker_number,
        text="收到短信了，谢谢。请问上个月的会员积分什么时候到账？",
        at=now - timedelta(hours=2),
        now=now,
    )


def _birthday(customer: Customer, day: date, *, consent_sms: bool = True) -> None:
    customer.birth_month, customer.birth_day = day.month, day.day
    customer.birth_year = 1960 + customer.pk % 40
    customer.consent_sms = consent_sms
    customer.save(update_fields=["birth_month", "birth_day", "birth_year", "consent_sms"])


def _departed(people: dict, customers: list[Customer], template: MessageTemplate, rng, now: datetime) -> int:
    """周明 leaves: his customers and open work orders go to 赵磊; 孙浩 left before with one customer."""
    password = make_password(None)
    zhou = User.objects.create(
        username="zhouming", display_name="周明", role=Role.AGENT, email="zhouming@kefu.example",
        employee_no="K1090", department=people["agent4"].department, superior=people["supervisor"],
        password=password,
    )  # fmt: skip
    sun = User.objects.create(
        username="sunhao", display_name="孙浩", role=Role.AGENT, employee_no="K1080",
        department=people["agent4"].department, is_active=False, password=password,
    )  # fmt: skip
    theirs = [c for c in customers if c.owner_id is None][:6]
    Customer.objects.filter(pk__in=[c.pk for c in theirs[:5]]).update(owner=zhou)
    Customer.objects.filter(pk=theirs[5].pk).update(owner=sun)
    # Two of 赵磊's open work orders had been 周明's: handed back to 赵磊 when he left.
    open_ids = list(
        Ticket.objects.filter(owner=people["agent4"], status__in=OPEN_STATUSES).values_list("pk", flat=True)[
            :2
        ]
    )
    Ticket.objects.filter(pk__in=open_ids).update(owner=zhou)
    record = handover(
        user=zhou,
        by=people["manager"],
        to=people["agent4"],
        notify_customers=True,
        template=template,
        now=now,
    )
    return sum(n for per_kind in record.counts.values() for n in per_kind.values())
