"""The customer portal on a phone-sized Chromium against a live server: submit, track, add, rate.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.core.cache import cache  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.intake.portal.models import Rating  # noqa: E402
from kefu.tickets.models import Message, Status, Ticket  # noqa: E402
from kefu.tickets.services import message_reply, ticket_transition  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_VIEWPORT = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("KEFU_E2E_SCREENSHOTS", "")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    cache.clear()
    yield build_org()
    clear_calendar_cache()
    cache.clear()


@pytest.fixture
def phone(browser):
    """A page in a fresh phone-sized browser context (no login: the customer is anonymous), in Chinese."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_customer_submits_tracks_adds_information_and_rates_on_a_phone(org, live_server, phone, tmp_path):
    photo = tmp_path / "吸管.png"
    photo.write_bytes(PNG)

    # Submit a complaint with a picture.
    phone.goto(f"{live_server.url}/portal/")
    expect(phone.locator("h1")).to_contain_text("咨询、投诉或建议")
    assert fits_the_screen(phone)
    phone.check("input[name=ticket_type][value=complaint]")
    phone.fill("#id_customer_name", "王先生")
    phone.fill("#id_customer_phone", "138 0013 8000")
    phone.fill("#id_content", "二楼奶茶店的吸管里有异物。")
    phone.fill("#id_demands", "退款并道歉")
    phone.fill("#id_location", "2F-12")
    phone.set_input_files("#id_attachments", str(photo))
    shoot(phone, "kefu-portal-submit.png")
    phone.click("#submit-form button[type=submit]")

    # The confirmation: number, promised time, tracking link.
    expect(phone.locator("#ticket-number")).to_be_visible()
    number = phone.locator("#ticket-number").inner_text().strip()
    expect(phone.locator("#promised-at")).to_be_visible()
    assert fits_the_screen(phone)
    shoot(phone, "kefu-portal-done.png")
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "portal" and list(ticket.attachments.values_list("name", flat=True)) == [
        "吸管.png"
    ]

    # An agent takes it and answers on the portal (what the reply form on the work-order page does).
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)
    reply = message_reply(ticket=ticket, by=org.agent, body_text="您好，已联系商户核实，今天内给您答复。")
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.SENT  # beside it, the acknowledgement SMS

    # The customer tracks it with the number and phone and sees the reply.
    phone.goto(f"{live_server.url}/portal/track/")
    phone.fill("#id_number", number)
    phone.fill("#id_phone", "13800138000")
    phone.click("#track-form button[type=submit]")
    expect(phone.locator("#customer-status")).to_have_text("已受理")
    expect(phone.locator("#conversation")).to_contain_text("已联系商户核实")
    assert fits_the_screen(phone)

    # Adds information.
    phone.fill("#id_body_text", "小票已拍照，购买时间下午三点。")
    phone.click("#add-form button[type=submit]")
    expect(phone.locator(".p-messages")).to_contain_text("已加入工单")
    expect(phone.locator("#conversation")).to_contain_text("购买时间下午三点")

    # After resolution the customer rates it, once.
    ticket = Ticket.objects.get(number=number)
    ticket = ticket_transition(ticket=ticket, action="start", by=org.agent)
    ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="商户已退款并致歉。",
        note="已向商户主管通报，记入商户考核。",
    )
    phone.reload()
    expect(phone.locator("#customer-status")).to_have_text("已办结")
    expect(phone.locator("#result")).to_contain_text("商户已退款并致歉")
    expect(phone.locator("body")).not_to_contain_text("商户考核")  # the internal note stays internal
    phone.check("input[name=score][value=satisfied]")
    phone.fill("#id_comment", "处理及时")
    phone.click("#rate-form button[type=submit]")
    expect(phone.locator("#rating")).to_contain_text("满意")
    expect(phone.locator("#rate-form")).to_have_count(0)
    shoot(phone, "kefu-portal-tracking.png")
    assert Rating.objects.get(ticket__number=number).score == "satisfied"
    # The callbacks app acts on the rating: a satisfied customer closes the work order (docs/callbacks.md).
    assert Ticket.objects.get(number=number).status == Status.CLOSED
