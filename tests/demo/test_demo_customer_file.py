"""The demo shows the customer file: custom fields, an organisation with three contacts, lunar
birthdays, a pair of duplicates to merge and one merged, and exports in the log."""

import pytest

from kefu.customers.merge import duplicate_candidates
from kefu.customers.models import Customer, CustomerMerge, CustomField, ExportLog
from kefu.demo.data import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_customer_file():
    made = load_demo(tickets=4)
    assert not made["skipped"]
    assert set(CustomField.objects.values_list("label", flat=True)) >= {"会员来源渠道", "车型"}
    organisation = Customer.objects.get(name="星河物业有限公司")
    assert organisation.members.count() == 3
    assert Customer.objects.filter(birthday_calendar="lunar", birth_month__isnull=False).count() >= 10
    assert Customer.objects.exclude(custom={}).count() >= 60
    assert Customer.objects.filter(tags__isnull=False).exists()
    pairs = {(c.first.name, c.second.name) for c in duplicate_candidates()}
    assert ("陈晓燕", "陈小燕") in pairs
    merge = CustomerMerge.objects.get()
    assert (merge.kept.name, merge.removed_name) == ("黄志强", "黄智强")
    assert sorted(ExportLog.objects.values_list("kind", flat=True)) == ["customer", "list"]
