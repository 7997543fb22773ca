"""Importing orders and payments from files: lines refused with their field, good lines kept, idempotent."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from kefu.accounts.models import Role
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.imports import import_job_run, import_job_start
from kefu.customers.models import ImportJob, ImportMapping, Order, Payment
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

CSV = """订单号,手机,金额,下单时间,类型,原订单号
SO-1,13811112222,"1,280.50",2026-03-01 10:20,订单,
SO-2,13811112222,abc,2026-03-02,订单,
SO-3,13900000000,99,2026-03-02,订单,
SO-4,13811112222,50,2026-13-40,订单,
SO-5,13811112222,300,2026/3/5,订单,
RF-1,13811112222,200,2026-03-06,退款,SO-5
RF-2,13811112222,200,2026-03-06,退款,SO-5
SO-6
"""


def run(data: bytes, *, name="orders.csv", kind="orders", columns=None, by=None) -> ImportJob:
    job = import_job_start(source="shop", kind=kind, file_name=name, data=data, columns=columns, by=by)
    return import_job_run(job_id=job.pk)


@pytest.fixture
def lead():
    return UserFactory(role=Role.SUPERVISOR)


@pytest.fixture
def wang():
    return CustomerFactory(name="王建国", phone="13811112222")


def test_each_bad_line_is_reported_with_its_field_and_the_good_lines_are_imported(lead, wang):
    job = run(CSV.encode("gb18030"), by=lead)  # GBK, as Excel on a Chinese Windows saves CSV
    assert job.status == ImportJob.Status.DONE
    refused = {(e["line"], e["field"]) for e in job.errors if not e["changed"]}
    assert refused == {
        (3, "amount"),  # abc
        (4, "customer_phone"),  # nobody holds 13900000000
        (5, "placed_at"),  # month 13
        (8, "amount"),  # RF-2: 300 − 200 = 100 left, 200 refused
        (9, "columns"),  # one cell
    }
    # SO-1, SO-5 and the refund RF-1 (−200) are in.
    assert job.imported == 3 and job.error_count == 5 and job.lines == 8
    assert sorted(Order.objects.values_list("external_id", "amount")) == [
        ("RF-1", Decimal("-200.00")), ("SO-1", Decimal("1280.50")), ("SO-5", Decimal("300.00"))
    ]  # fmt: skip
    so1 = Order.objects.get(external_id="SO-1")
    assert so1.customer == wang and so1.placed_at == datetime(2026, 3, 1, 10, 20, tzinfo=SHANGHAI)
    assert ImportMapping.objects.get(source="shop", kind="orders").columns["金额"] == "amount"


def test_a_reimport_adds_nothing_and_reports_a_changed_line(lead, wang):
    run(CSV.encode(), by=lead)
    again = run(CSV.encode(), by=lead)
    assert again.imported == 0 and again.duplicates == 3
    changed = CSV.replace('"1,280.50"', "1300")
    third = run(changed.encode(), by=lead)
    assert third.imported == 0 and third.changed == 1
    (note,) = [e for e in third.errors if e["changed"]]
    assert note["line"] == 2 and note["field"] == "external_id" and "1280.50 → 1300.00" in note["message"]
    assert Order.objects.get(external_id="SO-1").amount == Decimal("1280.50")  # kept as it was
    assert Order.objects.count() == 3


def test_xlsx_with_a_mapping_and_customers_by_number_or_email(lead, wang):
    li = CustomerFactory(name="李娜")
    li.emails.create(address="li.na@example.com")
    book = Workbook()
    sheet = book.active
    sheet.append(["流水", "客户", "邮件", "到账", "钱", "方式"])
    sheet.append(
        [
            "P-1",
            wang.pk,
            "",
            datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI).replace(tzinfo=None),
            5000,
            "银行转账",
        ]
    )
    sheet.append(["P-2", "", "Li.Na@example.com", "2026-03-03", "1200.5", "微信"])
    sheet.append(["P-3", 999999, "", "2026-03-03", 10, ""])
    data = io.BytesIO()
    book.save(data)
    columns = {"流水": "external_id", "客户": "customer_id", "邮件": "customer_email", "到账": "paid_at",
               "钱": "amount", "方式": "method"}  # fmt: skip
    job = run(data.getvalue(), name="payments.xlsx", kind="payments", columns=columns, by=lead)
    assert job.imported == 2
    assert [(e["line"], e["field"]) for e in job.errors] == [(4, "customer_id")]
    assert Payment.objects.get(external_id="P-2").customer == li
    # The mapping is saved: the next file from this source needs none.
    assert run(data.getvalue(), name="again.xlsx", kind="payments", by=lead).duplicates == 2


def test_wrong_columns_are_refused_before_anything_is_queued(lead):
    with pytest.raises(ValidationError) as refused:
        import_job_start(source="erp", kind="orders", file_name="x.csv", data=b"a,b\n1,2\n", by=lead)
    assert "columns" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        import_job_start(source="erp", kind="orders", file_name="x.csv", data=b"no,amount\n1,2\n",
                         columns={"no": "external_id", "amount": "amount", "missing": "placed_at"}, by=lead)  # fmt: skip
    assert "missing" in str(refused.value.errors["columns"][0])
    assert not ImportJob.objects.exists()


def test_agents_may_not_import(wang):
    with pytest.raises(PermissionDenied):
        run(CSV.encode(), by=UserFactory(role=Role.AGENT))


def test_counts_are_saved_batch_by_batch(lead, wang, monkeypatch):
    from kefu.customers import imports

    monkeypatch.setattr(imports, "BATCH", 2)
    saved = []
    original = ImportJob.save

    def spy(self, *args, **kwargs):
        if self.status == ImportJob.Status.RUNNING and "done_lines" in (kwargs.get("update_fields") or []):
            saved.append(self.done_lines)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ImportJob, "save", spy)
    run(CSV.encode(), by=lead)
    assert saved == [0, 2, 4, 6, 8]  # the reset, then after each batch of 2 of the 8 lines


def test_the_kefu_import_orders_command_reports_counts_and_lines(wang, tmp_path, capsys):
    from kefu.cli import main

    path = tmp_path / "orders.csv"
    path.write_bytes(CSV.encode("gb18030"))
    assert main(["import-orders", str(path), "--source", "shop"]) == 0
    out, err = capsys.readouterr()
    assert "8 lines, 3 imported, 0 already present, 0 changed (kept as they were), 5 lines refused" in out
    assert f"{path}:3: amount:" in err
    assert main(["import-orders", str(tmp_path / "missing.csv"), "--source", "shop"]) == 2


def test_imported_orders_earn_their_points_once(lead, wang):
    from kefu.customers.loyalty import selectors, services
    from kefu.customers.models import CardLevel, PointsEntry, PointsRule

    level = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    PointsRule.objects.create(level=level, points_per_yuan=Decimal("1"), valid_days=365)
    services.card_request(customer=wang, level=level, by=lead)
    data = "订单号,手机,金额,下单时间\nSO-1,13811112222,1280.50,2026-03-01\nSO-2,13811112222,99,2026-03-02\n"
    run(data.encode(), by=lead)
    # ⌊1,280.50⌋ + 99 = 1,379 points, one entry per order
    assert selectors.points_balance(wang.pk) == 1379
    assert PointsEntry.objects.filter(kind="earn").count() == 2
    # and importing the file again earns nothing more
    run(data.encode(), by=lead)
    assert selectors.points_balance(wang.pk) == 1379 and PointsEntry.objects.count() == 2
