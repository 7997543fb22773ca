"""Duplicates and merge (重复客户与合并): candidates, and a merge that keeps every row."""

from datetime import date
from decimal import Decimal

import pytest

from kefu.callbacks.models import CallbackTask, Contract
from kefu.callcenter.models import CallRecord
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.merge import customer_merge, duplicate_candidates
from kefu.customers.models import (
    Customer,
    CustomerEmail,
    CustomerMerge,
    CustomerPhone,
    CustomerTag,
    Kind,
    Order,
)
from kefu.tickets.models import Ticket
from tests.callbacks.conftest import plan_org
from tests.factories import CustomerFactory, aware
from tests.tickets.helpers import new_ticket

AT = aware(2026, 11, 23, 10, 0)


def with_contacts(name: str, phones=(), emails=(), **fields) -> Customer:
    customer = CustomerFactory(name=name, **fields)
    for number in phones:
        CustomerPhone.objects.create(customer=customer, number=number)
    for address in emails:
        CustomerEmail.objects.create(customer=customer, address=address)
    return customer


@pytest.fixture
def org(db):
    return plan_org(db)


def pairs(candidates) -> set[tuple[str, str]]:
    return {(c.first.name, c.second.name) for c in candidates}


def test_same_phone_same_email_and_similar_names_are_candidates(org):
    with_contacts("张伟", phones=["13800138000"])
    with_contacts("张先生", phones=["13800138000"])  # same phone
    with_contacts("Li Na", emails=["lina@example.com"])
    with_contacts("李娜", emails=["lina@example.com"])  # same email
    with_contacts("王小明", company="华联超市")
    with_contacts("王晓明", company="华联超市")  # 2 of 3 characters: ratio 66.7 ≥ 66, same company
    with_contacts("王晓明", company="另一家公司")  # similar name, but nothing else links it to 王小明
    with_contacts("赵敏", phones=["13911112222"])
    with_contacts("赵敏 ", phones=["13655552222"])  # same name, phones ending in the same four digits
    with_contacts("陈静", company="华联超市")  # same company, another name (王小明 vs 陈静: 0)
    found = duplicate_candidates()
    assert pairs(found) == {
        ("张伟", "张先生"),
        ("Li Na", "李娜"),
        ("王小明", "王晓明"),
        ("赵敏", "赵敏 "),
    }
    reasons = {(c.first.name, c.reason) for c in found}
    assert ("张伟", "phone") in reasons and ("Li Na", "email") in reasons and ("王小明", "name") in reasons


def test_candidates_of_one_customer(org):
    zhang = with_contacts("张伟", phones=["13800138000"])
    with_contacts("张先生", phones=["13800138000"])
    with_contacts("Li Na", emails=["lina@example.com"])
    with_contacts("李娜", emails=["lina@example.com"])
    assert pairs(duplicate_candidates(customer=zhang)) == {("张伟", "张先生")}


def test_candidates_of_one_customer_by_a_phone_tail_a_company_or_an_organisation(org):
    zhao = with_contacts("赵敏", phones=["13911112222"], company="华联超市")
    tail = with_contacts("赵敏 ", phones=["13655552222"])  # the same last four digits
    moved = with_contacts("赵敏  ", phones=["13600000000"])
    # a number corrected afterwards, by a bulk update: its tail follows it (the database keeps it)
    CustomerPhone.objects.filter(customer=moved).update(number="13700002222")
    colleague = with_contacts("赵 敏", company="华联超市")
    unlinked = with_contacts("赵敏", phones=["13655553333"])  # same name, nothing links it
    gone = with_contacts("赵敏", phones=["13800002222"])
    Customer.objects.filter(pk=gone.pk).update(anonymised_at=AT)  # anonymised records are left out
    found = {
        c.second.pk if c.first.pk == zhao.pk else c.first.pk for c in duplicate_candidates(customer=zhao)
    }
    assert found == {tail.pk, moved.pk, colleague.pk}
    assert unlinked.pk not in found
    assert CustomerPhone.objects.get(customer=moved).tail == "2222"


def test_candidates_of_one_customer_leave_out_the_pairs_of_others_in_its_groups(org):
    zhao = with_contacts("赵敏", phones=["13911112222"])
    with_contacts("李四", phones=["13655552222"])
    with_contacts("李四 ", phones=["13755552222"])  # similar to each other, 赵敏's tail: not 赵敏's pair
    assert duplicate_candidates(customer=zhao) == []
    assert pairs(duplicate_candidates()) == {("李四", "李四 ")}


def test_candidates_of_one_customer_are_read_in_one_statement_whatever_links_them(org):
    """The customer page's panel: a shared phone, a shared email, a similar name in the same company,
    organisation or phone tail, all found by one statement (the customer's phones and emails are
    prefetched), each candidate with the name the page shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    firm = CustomerFactory(name="华联超市", kind=Kind.ORGANISATION)
    wang = with_contacts(
        "王小明", phones=["13911112222"], emails=["wang@example.com"], company="华联", organisation=firm
    )
    by_phone = with_contacts("老王", phones=["13911112222"])
    by_email = with_contacts("W. Xiaoming", emails=["wang@example.com"])
    by_company = with_contacts("王晓明", company="华联")
    by_organisation = with_contacts("王小名", organisation=firm)
    by_tail = with_contacts("王 小明", phones=["13655552222"])
    with_contacts("李四", phones=["13655552222"], company="华联")  # linked, but another name
    customer = Customer.objects.prefetch_related("phones", "emails").get(pk=wang.pk)
    with CaptureQueriesContext(connection) as captured:
        found = duplicate_candidates(customer=customer)
        names = {(c.second if c.first.pk == wang.pk else c.first).name for c in found}
    assert len(captured) == 1, [q["sql"][:150] for q in captured]
    assert {c.reason for c in found} == {"phone", "email", "name"}
    assert names == {r.name for r in (by_phone, by_email, by_company, by_organisation, by_tail)}


def counts() -> dict:
    return {
        "tickets": Ticket.objects.count(),
        "calls": CallRecord.objects.count(),
        "tasks": CallbackTask.objects.count(),
        "contracts": Contract.objects.count(),
        "orders": Order.objects.count(),
        "phones": CustomerPhone.objects.count(),
        "emails": CustomerEmail.objects.count(),
    }


def test_merge_moves_every_row_to_the_kept_record(org):
    keep = with_contacts("张伟", phones=["13800138000"], emails=["zw@example.com"], note="老客户")
    org_record = Customer.objects.create(name="华联超市", kind=Kind.ORGANISATION)
    remove = with_contacts(
        "张先生",
        phones=["13800138000", "13911112222"],  # the first is on both: kept once
        emails=["zhang@example.com"],
        company="华联超市",
        address="北京市朝阳区建国路 88 号",
        birth_month=3,
        birth_day=8,
        note="喜欢电话联系",
    )
    remove.tags.add(CustomerTag.objects.create(name="VIP"))
    member = CustomerFactory(name="张先生的同事", organisation=org_record)
    referred = CustomerFactory(name="被推荐人", referred_by=remove)
    ticket = new_ticket(org, customer_phone="13911112222", customer_name="张先生")
    assert ticket.customer_id == remove.pk  # found by the second phone
    CallRecord.objects.create(
        source="cti", external_id="c1", outcome="answered", arrived_at=AT, created_at=AT, customer=remove
    )
    CallbackTask.objects.create(
        plan=org.plan, subject_key=f"c{remove.pk}", period="p1", customer=remove, created_at=AT
    )
    Contract.objects.create(customer=remove, name="宽带包年", expires_on=date(2027, 1, 31))
    Order.objects.create(customer=remove, external_id="A-1", amount=Decimal("199.00"), placed_at=AT)
    Order.objects.create(customer=keep, external_id="A-2", amount=Decimal("50.00"), placed_at=AT)
    before = counts()

    merge = customer_merge(keep=keep, remove=remove, by=org.supervisor, now=AT)

    after = counts()
    assert after == {**before, "phones": before["phones"] - 1}  # only the number both held, once
    assert not Customer.objects.filter(pk=remove.pk).exists()
    keep.refresh_from_db()
    assert sorted(keep.phones.values_list("number", flat=True)) == ["13800138000", "13911112222"]
    assert sorted(keep.emails.values_list("address", flat=True)) == ["zhang@example.com", "zw@example.com"]
    assert Ticket.objects.get(pk=ticket.pk).customer_id == keep.pk
    assert CallRecord.objects.get().customer_id == keep.pk
    assert CallbackTask.objects.get().customer_id == keep.pk
    assert Contract.objects.get().customer_id == keep.pk
    assert sum(o.amount for o in keep.orders.all()) == Decimal("249.00")  # 199 + 50
    assert list(keep.tags.values_list("name", flat=True)) == ["VIP"]
    assert Customer.objects.get(pk=referred.pk).referred_by_id == keep.pk
    assert Customer.objects.get(pk=member.pk).organisation_id == org_record.pk  # untouched
    # The kept fields stay; blanks are filled; the removed note is appended.
    assert keep.name == "张伟"
    assert (keep.company, keep.birth_month, keep.birth_day) == ("华联超市", 3, 8)
    assert keep.note.startswith("老客户") and "喜欢电话联系" in keep.note and f"#{remove.pk}" in keep.note
    assert merge.removed_name == "张先生" and merge.by == org.supervisor and merge.kept == keep
    assert merge.snapshot["phones"] == ["13800138000", "13911112222"]
    assert merge.moved["tickets.ticket"] == 1 and merge.moved["customers.order"] == 1


def test_members_of_a_merged_organisation_move_and_nobody_points_at_itself(org):
    keep = Customer.objects.create(name="华联超市", kind=Kind.ORGANISATION)
    remove = Customer.objects.create(name="华联超市有限公司", kind=Kind.ORGANISATION)
    contacts = [CustomerFactory(organisation=remove) for _ in range(3)]
    keep.organisation = None
    keep.save()
    customer_merge(keep=keep, remove=remove, by=org.manager)
    assert keep.members.count() == 3 and {c.pk for c in keep.members.all()} == {c.pk for c in contacts}
    keep.refresh_from_db()
    assert keep.organisation_id is None


def test_only_leads_merge_and_nothing_changes_when_refused(org):
    keep, remove = with_contacts("张伟"), with_contacts("张先生", phones=["13800138000"])
    with pytest.raises(PermissionDenied):
        customer_merge(keep=keep, remove=remove, by=org.agent)
    with pytest.raises(PermissionDenied):
        customer_merge(keep=keep, remove=remove, by=org.qa)
    with pytest.raises(ValidationError):
        customer_merge(keep=keep, remove=keep, by=org.supervisor)
    assert Customer.objects.filter(pk=remove.pk).exists() and remove.phones.count() == 1
    assert not CustomerMerge.objects.exists()


def test_merge_page_for_a_supervisor(org, client):
    keep, remove = (
        with_contacts("张伟", phones=["13800138000"]),
        with_contacts("张先生", phones=["13800138000"]),
    )
    client.force_login(org.supervisor)
    page = client.get("/customers/duplicates/")
    assert page.status_code == 200 and "张先生" in page.content.decode()
    response = client.post(f"/customers/{keep.pk}/merge/", {"remove": remove.pk})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=remove.pk).exists()
    client.force_login(org.agent)
    assert client.get("/customers/duplicates/").status_code == 403
