"""Care opt-out (退订): the signed link of every care email with its List-Unsubscribe headers, the
public page (and mail programs' one-click POST), the SMS hint, and staff recording and undoing it."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.core.errors import NotFound, PermissionDenied
from kefu.crm.care import care_run, touches_of
from kefu.crm.models import CareChannel, CareKind, CareOptOut, CareRule, CareStatus
from kefu.crm.optout import (
    care_opt_in,
    care_opt_out,
    opt_out_customer,
    opt_out_of,
    opt_out_token,
    opt_out_url,
)
from kefu.crm.timeline import customer_timeline
from kefu.customers.models import CustomerEmail
from kefu.notify.models import MessageTemplate, TemplateChannel, TemplateKind
from kefu.notify.sms import segment_count
from tests.factories import CustomerFactory, aware

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mid_autumn_email(db):
    card = MessageTemplate.objects.create(
        name="中秋", kind=TemplateKind.FREE, channel=TemplateChannel.EMAIL, subject="{occasion}快乐",
        body="{customer_name}：月圆人团圆。",
    )  # fmt: skip
    return CareRule.objects.create(
        name="中秋问候",
        kind=CareKind.HOLIDAY,
        channel=CareChannel.EMAIL,
        template=card,
        holidays=["mid_autumn"],
    )


# --- the token ---------------------------------------------------------------------------------------


def test_the_token_names_its_customer_and_a_tampered_one_names_nobody(db):
    wang, li = CustomerFactory(name="王芳"), CustomerFactory(name="李雷")
    token = opt_out_token(wang.pk)
    assert opt_out_customer(token) == wang
    # Another customer's id under wang's signature, a changed signature, a survey-style token: refused.
    forged = f"{li.pk}:{token.split(':', 1)[1]}"
    for bad in (forged, token[:-1] + ("A" if token[-1] != "A" else "B"), str(wang.pk), ""):
        with pytest.raises(NotFound):
            opt_out_customer(bad)
    assert opt_out_token(li.pk) != opt_out_token(wang.pk)


def test_the_link_is_absolute_on_the_site_url(db, settings):
    settings.SITE_URL = "https://kefu.example.com/"
    wang = CustomerFactory()
    assert opt_out_url(wang.pk) == f"https://kefu.example.com/care/opt-out/{opt_out_token(wang.pk)}/"


# --- the public page ---------------------------------------------------------------------------------


def test_the_page_shows_the_masked_name_and_a_post_opts_out_once(db):
    wang = CustomerFactory(name="王小芳")
    url = reverse("care_opt_out", kwargs={"token": opt_out_token(wang.pk)})
    browser = Client(enforce_csrf_checks=True)  # no sign-in: the customer's own browser
    page = browser.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "王**" in body and "王小芳" not in body and "确认退订" in body
    assert opt_out_of(wang) is None  # looking is not unsubscribing

    token = page.cookies["csrftoken"].value
    done = browser.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert done.status_code == 200 and "已退订" in done.content.decode()
    first = opt_out_of(wang)
    assert first.via == "email link"
    browser.post(url, {"csrfmiddlewaretoken": token})  # again: idempotent, the first stands
    assert CareOptOut.objects.filter(customer=wang).count() == 1
    assert opt_out_of(wang).at == first.at


def test_a_post_of_the_page_form_without_the_csrf_token_is_refused(db):
    wang = CustomerFactory()
    url = reverse("care_opt_out", kwargs={"token": opt_out_token(wang.pk)})
    assert Client(enforce_csrf_checks=True).post(url, {}).status_code == 403
    assert opt_out_of(wang) is None


def test_the_mail_programs_one_click_post_needs_no_csrf_token(db):
    wang = CustomerFactory()
    url = reverse("care_opt_out", kwargs={"token": opt_out_token(wang.pk)})
    # What Gmail and Outlook send (RFC 8058): no cookie, no CSRF token.
    answer = Client(enforce_csrf_checks=True).post(url, "List-Unsubscribe=One-Click",
                                                   content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert answer.status_code == 200
    assert opt_out_of(wang).via == "email one-click"


def test_a_bad_or_tampered_token_is_a_clear_400_page(db):
    wang = CustomerFactory()
    token = opt_out_token(wang.pk)
    for bad in ("nonsense", f"{wang.pk + 1}:{token.split(':', 1)[1]}"):
        url = reverse("care_opt_out", kwargs={"token": bad})
        for answer in (Client().get(url), Client().post(url, "List-Unsubscribe=One-Click",
                                                          content_type="application/x-www-form-urlencoded")):  # fmt: skip
            assert answer.status_code == 400
            assert "此退订链接无效" in answer.content.decode()
    assert not CareOptOut.objects.exists()


def test_the_page_speaks_english_too(db):
    wang = CustomerFactory(name="Wang Fang")
    url = reverse("care_opt_out", kwargs={"token": opt_out_token(wang.pk)})
    page = Client(headers={"accept-language": "en"}).get(url)
    assert "Confirm unsubscribe" in page.content.decode() and "W***" in page.content.decode()


# --- what the care messages carry --------------------------------------------------------------------


def test_a_care_email_ends_with_the_link_and_carries_the_list_unsubscribe_headers(mid_autumn_email, settings):
    settings.SITE_URL = "https://kefu.example.com"
    zhao = CustomerFactory(name="赵总")
    CustomerEmail.objects.create(customer=zhao, address="zhao@example.com")
    # 中秋 2026 is 25 September.
    assert care_run(day=date(2026, 9, 25), now=aware(2026, 9, 25, 9)).sent == 1
    (message,) = mail.outbox
    url = f"https://kefu.example.com/care/opt-out/{opt_out_token(zhao.pk)}/"
    assert message.body == f"赵总：月圆人团圆。\n\n不想再收到关怀邮件？退订：{url}"
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()


def test_a_care_sms_ends_with_the_reply_hint_and_its_segments_count_it(greeting, sms_outbox):
    CareRule.objects.create(name="生日短信", kind=CareKind.BIRTHDAY, template=greeting)
    CustomerFactory(name="王芳", phone="13800138000", birth_month=12, birth_day=3)
    care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))
    (sms,) = sms_outbox
    assert sms.text == "王芳您好，祝您生日快乐！回TD退订"
    # 【客服中心】 (6) + 12 + 回TD退订 (5) = 23 characters: one segment; 70 is the limit of one.
    assert (len(sms.full_text), sms.segments) == (23, 1)
    assert segment_count("字" * 66 + "回TD退订") == 2  # the hint pushes 66 characters over 70


def test_a_care_run_after_the_opt_out_records_it_skipped(greeting, sms_outbox):
    CareRule.objects.create(name="生日短信", kind=CareKind.BIRTHDAY, template=greeting)
    wang = CustomerFactory(phone="13800138000", birth_month=12, birth_day=3)
    care_opt_out(customer=wang, via="email link", now=aware(2026, 11, 1, 10))
    run = care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30))
    assert run.counts == {CareStatus.SKIPPED_OPT_OUT: 1}
    assert touches_of(wang).get().status == CareStatus.SKIPPED_OPT_OUT
    assert sms_outbox == []


# --- staff -------------------------------------------------------------------------------------------


def test_staff_record_and_undo_an_opt_out_and_qa_may_not(org, greeting, sms_outbox):
    CareRule.objects.create(name="生日短信", kind=CareKind.BIRTHDAY, template=greeting)
    wang = CustomerFactory(phone="13800138000", birth_month=12, birth_day=3)
    with pytest.raises(PermissionDenied):
        care_opt_out(customer=wang, by=org.qa)
    assert opt_out_of(wang) is None

    recorded = care_opt_out(customer=wang, by=org.agent, now=aware(2026, 12, 1, 15))
    assert recorded.via == f"staff: {org.agent.label}"
    with pytest.raises(PermissionDenied):
        care_opt_in(customer=wang, by=org.qa)
    assert opt_out_of(wang) is not None

    assert care_opt_in(customer=wang, by=org.supervisor) is True
    assert care_opt_in(customer=wang, by=org.supervisor) is False  # nothing left to undo
    assert care_run(day=date(2026, 12, 3), now=aware(2026, 12, 3, 9, 30)).sent == 1  # greeted again


def test_the_customer_page_shows_the_opt_out_with_its_buttons(org):
    wang = CustomerFactory(name="王芳")
    page = reverse("customers:detail", args=[wang.pk])
    agent = client_for(org.agent)
    assert "登记退订" in agent.get(page).content.decode()
    agent.post(reverse("care:opt_out", args=[wang.pk]))
    body = agent.get(page).content.decode()
    assert (
        f"已退订（{timezone.localtime(opt_out_of(wang).at):%Y-%m-%d %H:%M}，由{org.agent.label}登记）" in body
    )
    assert "恢复关怀" in body

    qa = client_for(org.qa)
    assert "恢复关怀" not in qa.get(page).content.decode()  # QA reads the page, may not change it
    qa.post(reverse("care:opt_in", args=[wang.pk]))
    assert opt_out_of(wang) is not None

    agent.post(reverse("care:opt_in", args=[wang.pk]))
    assert opt_out_of(wang) is None


def test_the_opt_out_shows_on_the_customer_360_timeline(org):
    wang = CustomerFactory()
    care_opt_out(customer=wang, via="sms reply", now=aware(2026, 12, 1, 15))
    rows = customer_timeline(user=org.agent, customer=wang).rows
    assert [(r.kind, r.at, r.detail) for r in rows] == [("care", aware(2026, 12, 1, 15), "短信回复退订")]
