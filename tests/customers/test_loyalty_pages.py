"""The loyalty pages: the statement and its exports, redeeming, the supervisors' approvals, the portal."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kefu.customers.loyalty import services
from kefu.customers.models import ApplicationStatus, CardApplication, CardLevel, Order, PointsRule
from kefu.intake.portal.tracking import tracking_token
from tests.factories import aware
from tests.org import build_org
from tests.tickets.helpers import new_ticket

NOW = aware(2026, 11, 20, 10, 0)


@pytest.fixture
def member(db):
    org = build_org()
    ticket = new_ticket(org, channel="portal")
    customer = ticket.customer
    normal = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    CardLevel.objects.create(code="gold", name="金卡", rank=3, needs_approval=True)
    PointsRule.objects.create(level=normal, points_per_yuan=Decimal("2"))
    services.card_request(customer=customer, level=normal, by=org.agent, now=NOW)
    Order.objects.create(
        customer=customer, source="shop", external_id="S-9", amount=Decimal("60.50"), placed_at=NOW
    )
    org.customer, org.ticket = customer, ticket
    return org


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_statement_exports_the_running_balance_as_csv(member):
    services.points_redeem(customer=member.customer, points=21, reason="保温杯", by=member.agent)
    today = timezone.localdate()
    response = signed_in(member.agent).get(
        f"/customers/{member.customer.pk}/points/?start=2026-01-01&end={today:%Y-%m-%d}&format=csv"
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    # opening 0; ⌊60.50 × 2⌋ = 121 earned → 121; 21 redeemed → 100; closing 100
    balances = [line.split(",")[3] for line in lines[1:]]
    assert balances == ["0", "121", "100", "100"]
    xlsx = signed_in(member.agent).get(
        f"/customers/{member.customer.pk}/points/?format=xlsx&start=2026-01-01"
    )
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_period_is_a_400_naming_the_field(member):
    response = signed_in(member.agent).get(
        f"/customers/{member.customer.pk}/points/?start=2026-12-01&end=2026-11-01"
    )
    assert response.status_code == 400
    assert "The end is before the start." in response.content.decode() or "结束" in response.content.decode()


def test_redeeming_more_than_the_balance_says_so_and_takes_nothing(member):
    client = signed_in(member.agent)
    response = client.post(
        f"/customers/{member.customer.pk}/points/redeem/", {"points": 500, "reason": "电饭煲"}, follow=True
    )
    assert "121" in response.content.decode()  # the message names the balance
    assert member.customer.points_entries.filter(kind="redeem").count() == 0


def test_a_supervisor_approves_a_gold_card_on_the_cards_page(member):
    signed_in(member.agent).post(
        f"/customers/{member.customer.pk}/card/", {"level": CardLevel.objects.get(code="gold").pk}
    )
    application = CardApplication.objects.get(status=ApplicationStatus.PENDING)
    # the customer page says so beside the card, and the timeline has it among the open matters
    html = signed_in(member.agent).get(f"/customers/{member.customer.pk}/").content.decode()
    assert "金卡：等待主管审批" in html
    assert 'data-kind="card"' in html.split('class="timeline open-matters"')[1].split("</ul>")[0]
    assert signed_in(member.agent).get("/customers/cards/").status_code == 403
    page = signed_in(member.supervisor).get("/customers/cards/")
    assert member.customer.name in page.content.decode()
    signed_in(member.supervisor).post(f"/customers/cards/{application.pk}/decide/", {"approve": "1"})
    member.customer.card.refresh_from_db()
    assert (member.customer.card.level.code, member.customer.card.approved_by) == ("gold", member.supervisor)


def test_the_portal_shows_the_customer_their_card_and_balance(member):
    response = Client().get(f"/portal/t/{tracking_token(member.ticket)}/")
    html = response.content.decode()
    assert 'id="loyalty-card"' in html and '<strong id="points-balance">121</strong>' in html
