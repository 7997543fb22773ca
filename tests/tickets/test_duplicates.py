"""Likely duplicates (tickets/duplicates.py): same phone, similar words, last 30 minutes, visible to the agent."""

from datetime import timedelta

from kefu.tickets.duplicates import likely_duplicates
from kefu.tickets.models import Status, Ticket
from tests.tickets.helpers import new_ticket

RICE_COOKER = "昨天在三楼家电区买的电饭煲，插上电就跳闸。"


def test_same_phone_similar_words_within_30_minutes_is_a_likely_duplicate(org):
    first = new_ticket(org, content=RICE_COOKER, customer_phone="13900001111")
    now = first.created_at + timedelta(minutes=10)
    found = likely_duplicates(user=org.agent, phone="139 0000 1111", text="电饭煲插电跳闸了", now=now)
    assert found == [first]


def test_other_words_another_number_or_later_are_not(org):
    first = new_ticket(org, content=RICE_COOKER, customer_phone="13900001111")
    now = first.created_at + timedelta(minutes=10)
    assert (
        likely_duplicates(user=org.agent, phone="13900001111", text="会员卡积分一直没有到账", now=now) == []
    )
    assert likely_duplicates(user=org.agent, phone="13900002222", text=RICE_COOKER, now=now) == []
    later = first.created_at + timedelta(minutes=31)
    assert likely_duplicates(user=org.agent, phone="13900001111", text=RICE_COOKER, now=later) == []
    assert likely_duplicates(user=org.agent, phone="12345", text=RICE_COOKER, now=now) == []


def test_only_work_orders_the_agent_may_see_and_not_cancelled_ones(org):
    theirs = new_ticket(org, by="other_agent", content=RICE_COOKER, customer_phone="13900001111")
    now = theirs.created_at + timedelta(minutes=1)
    assert likely_duplicates(user=org.agent, phone="13900001111", text=RICE_COOKER, now=now) == []
    assert likely_duplicates(user=org.other_agent, phone="13900001111", text=RICE_COOKER, now=now) == [theirs]
    Ticket.objects.filter(pk=theirs.pk).update(status=Status.CANCELLED)
    assert likely_duplicates(user=org.other_agent, phone="13900001111", text=RICE_COOKER, now=now) == []
