"""Listing work orders: pagination with the total, filters, queues and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.tickets.models import Category
from kefu.tickets.services import ticket_create, ticket_transition
from tests.api.conftest import new_ticket


def record(by, **fields):
    values = {"ticket_type": "consultation", "channel": "phone", "content": "请问营业时间", **fields}
    return ticket_create(by=by, **values).ticket


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def test_pages_carry_the_total_count(org, as_user):
    for _ in range(25):
        record(org.agent)
    api = as_user(org.agent)
    first = api.get("/tickets").json()
    assert first["count"] == 25
    assert len(first["items"]) == 20
    second = api.get("/tickets", {"page": 2}).json()
    assert len(second["items"]) == 5
    assert not {t["number"] for t in first["items"]} & {t["number"] for t in second["items"]}
    small = api.get("/tickets", {"page_size": 10, "page": 3}).json()
    assert (small["count"], len(small["items"])) == (25, 5)
    assert api.get("/tickets", {"page_size": 1000}).json()["items"].__len__() == 25  # capped at 100
    assert api.get("/tickets", {"page": 0}).status_code == 422


def test_newest_first(org, as_user):
    older = record(org.agent).number
    newer = record(org.agent).number
    assert numbers(as_user(org.agent).get("/tickets")) == [newer, older]


def test_filter_by_status_list_type_channel_and_severity(org, as_user):
    new = record(org.agent, channel="email")
    accepted = record(org.agent, accept=True)
    complaint = record(org.agent, ticket_type="complaint", severity="general")
    cancelled = record(org.agent, accept=True)
    ticket_transition(ticket=cancelled, action="cancel", by=org.agent, note="打错了")
    api = as_user(org.agent)
    assert set(numbers(api.get("/tickets", {"status": "new"}))) == {new.number, complaint.number}
    assert set(numbers(api.get("/tickets", {"status": "accepted,cancelled"}))) == {
        accepted.number,
        cancelled.number,
    }
    assert numbers(api.get("/tickets", {"type": "complaint"})) == [complaint.number]
    assert numbers(api.get("/tickets", {"channel": "email"})) == [new.number]
    assert numbers(api.get("/tickets", {"severity": "general", "type": "complaint"})) == [complaint.number]
    assert len(numbers(api.get("/tickets", {"type": "", "channel": ""}))) == 4  # empty form fields mean "any"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "new,lost"}, "status"),
        ({"type": "gossip"}, "type"),
        ({"channel": "pigeon"}, "channel"),
        ({"severity": "huge"}, "severity"),
        ({"owner": "me"}, "owner"),
        ({"queue": "everything"}, "queue"),
        ({"page_size": 0}, "page_size"),
        ({"q": "空调\x00"}, "q"),  # PostgreSQL cannot hold NUL characters: refused up front
    ],
)
def test_bad_filters_answer_422_naming_the_parameter(org, as_user, params, field):
    response = as_user(org.agent).get("/tickets", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_filter_by_owner_and_customer(org, as_user):
    mine = new_ticket(as_user(org.agent), customer_phone="13900000001", customer_name="王先生")
    theirs = record(org.agent2, customer_phone="13900000002")
    api = as_user(org.supervisor)
    assert numbers(api.get("/tickets", {"owner": org.agent.pk})) == [mine["number"]]
    assert numbers(api.get("/tickets", {"customer": mine["customer"]["id"]})) == [mine["number"]]
    assert numbers(api.get("/tickets", {"owner": org.agent2.pk})) == [theirs.number]


def test_queues(org, as_user):
    mine = record(org.agent, accept=True)
    colleagues = record(org.agent2, accept=True)
    unowned = record(None, channel="portal")
    api = as_user(org.agent)
    assert numbers(api.get("/tickets", {"queue": "mine"})) == [mine.number]
    assert set(numbers(api.get("/tickets", {"queue": "group"}))) == {mine.number, colleagues.number}
    assert numbers(api.get("/tickets", {"queue": "unassigned"})) == [unowned.number]
    assert numbers(api.get("/tickets", {"queue": "escalated"})) == []
    as_user(org.agent).post(f"/tickets/{mine.number}/escalate", {"note": "客户要求主管处理"})
    assert numbers(as_user(org.supervisor).get("/tickets", {"queue": "escalated"})) == [mine.number]


def test_search_by_a_chinese_word(org, as_user):
    parcel = record(org.agent, content="快递三天没有送到，包裹一直显示在途")
    aircon = record(org.agent, content="家里的空调不制冷，需要上门维修")
    api = as_user(org.agent)
    assert numbers(api.get("/tickets", {"q": "空调"})) == [aircon.number]
    assert numbers(api.get("/tickets", {"q": "快递"})) == [parcel.number]
    assert numbers(api.get("/tickets", {"q": "冰箱"})) == []
    found = api.get("/tickets", {"q": "空调"}).json()
    assert found["count"] == 1


def test_search_stays_within_what_the_caller_may_see(org, as_user):
    record(org.other_agent, content="家里的空调不制冷")
    assert numbers(as_user(org.agent).get("/tickets", {"q": "空调"})) == []
    assert len(numbers(as_user(org.other_agent).get("/tickets", {"q": "空调"}))) == 1


def test_a_search_counts_up_to_the_ranked_matches_and_says_there_are_more(org, as_user, monkeypatch):
    monkeypatch.setattr("kefu.tickets.search.RANK_CANDIDATES", 2)
    api = as_user(org.agent)
    for _ in range(3):
        new_ticket(api, content="快递三天没有送到")

    searched = api.get("/tickets", {"q": "快递"}).json()
    listed = api.get("/tickets").json()

    assert (searched["count"], searched["more"], len(searched["items"])) == (2, True, 2)
    assert (listed["count"], listed["more"]) == (3, False)


def test_a_search_reads_the_same_few_statements_whatever_it_lists(
    org, as_user, django_assert_max_num_queries
):
    """No statement per listed row (its customer, owner, category, group come with it) and none to
    count what the search found."""
    api = as_user(org.agent)
    new_ticket(api, content="快递三天没有送到")
    api.get("/tickets", {"q": "快递"})  # the token, read once, is then kept for a few seconds
    with CaptureQueriesContext(connection) as one:
        assert len(numbers(api.get("/tickets", {"q": "快递"}))) == 1
    statements = len(one.captured_queries)  # read now: the next request empties the log
    assert not [q for q in one.captured_queries if "COUNT(" in q["sql"].upper()]
    for i in range(6):
        category = Category.objects.create(ticket_type="complaint", name=f"物流{i}")
        new_ticket(api, content=f"快递第{i}次没有送到", customer_name=f"客户{i}", customer_phone=f"1390000000{i}",
                   category_id=category.pk, accept=i % 2 == 0)  # fmt: skip

    with django_assert_max_num_queries(statements):
        found = api.get("/tickets", {"q": "快递"}).json()

    assert found["count"] == 7 and len(found["items"]) == 7
    assert {t["category"]["path"] for t in found["items"] if t["category"]} == {f"物流{i}" for i in range(6)}


# transaction=True: inside a transaction that changed categories the cached tree is bypassed, so
# only committed rows show what a running web process does.
@pytest.mark.django_db(transaction=True)
def test_a_list_of_work_orders_in_subcategories_asks_no_query_per_row(as_user):
    # The category path (咨询 / 物流 / 延误) walks up the parents: read from the cached tree, it costs
    # the same statements for two rows as for eight.
    from tests.org import build_org

    org = build_org()
    top = Category.objects.create(ticket_type="consultation", name="咨询")
    middle = Category.objects.create(ticket_type="consultation", name="物流", parent=top)
    leaf = Category.objects.create(ticket_type="consultation", name="延误", parent=middle)
    api = as_user(org.agent)

    def statements_for_list() -> tuple[int, list]:
        api.get("/tickets")  # the session, the caches: warm
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/tickets")
        return len(queries), response.json()["items"]

    for _ in range(2):
        record(org.agent, category_id=leaf.pk)
    few, items = statements_for_list()
    assert {item["category"]["path"] for item in items} == {"咨询 / 物流 / 延误"}
    for _ in range(6):
        record(org.agent, category_id=leaf.pk)
    many, items = statements_for_list()
    assert len(items) == 8 and many == few
