"""The pages of orders, imports and value tiers: what supervisors and managers see and do."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kefu.customers.models import ImportJob, Order, TierLevel, TierOverride
from kefu.customers.tiers import tiers_recompute
from tests.factories import CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_customer_page_shows_orders_and_why_the_tier(web_org, zh_client):
    c = CustomerFactory(name="王建国")
    Order.objects.create(customer=c, source="shop", external_id="SO-77", amount=Decimal("24480"),
                         placed_at=datetime(2025, 11, 3, tzinfo=SHANGHAI), description="年度维保")  # fmt: skip
    tiers_recompute(now=datetime(2026, 1, 20, tzinfo=SHANGHAI))
    page = zh_client(web_org.agent).get(reverse("customers:detail", args=[c.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "SO-77" in text and "年度维保" in text
    # The record is new (since its creation: 1 quarter counted), so 24,480 is the ARPU of a quarter.
    assert "A：季度 ARPU 24,480 ≥ 5,000" in text and "24,480" in text  # the reason, in Chinese by default


def test_an_upload_becomes_a_job_whose_page_polls_until_done(
    web_org, zh_client, django_capture_on_commit_callbacks
):
    CustomerFactory(phone="13811112222")
    client = zh_client(web_org.supervisor)
    upload = SimpleUploadedFile(
        "o.csv", "订单号,手机,金额,下单时间\nSO-1,13811112222,100,2026-03-01\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:imports"), {"source": "shop", "kind": "orders", "file": upload}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.DONE and job.imported == 1  # the worker ran it (immediate Huey)
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert b'id="import-progress"' in partial.content and b"every 1s" not in partial.content
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    assert b"every 1s" in client.get(response.url, HTTP_HX_REQUEST="true").content


def test_a_file_with_wrong_columns_is_refused_on_the_form(web_org, zh_client):
    upload = SimpleUploadedFile("o.csv", b"a,b\n1,2\n")
    response = zh_client(web_org.supervisor).post(
        reverse("customers:imports"), {"source": "shop", "kind": "orders", "file": upload}
    )
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_agents_do_not_import(web_org, zh_client):
    assert zh_client(web_org.agent).get(reverse("customers:imports")).status_code == 403


def test_manager_edits_a_rung_with_condition_rows(web_org, zh_client):
    client = zh_client(web_org.manager)
    assert client.get(reverse("customers:tier_edit", args=["B"])).status_code == 200
    response = client.post(
        reverse("customers:tier_edit", args=["B"]),
        {"name": "B 类客户", "rank": 2, "routing_priority": 0, "cond": ["arpu_quarter", "flag:welfare", ""],
         "cond_min": ["2500", "", ""]},
    )  # fmt: skip
    assert response.status_code == 302
    assert TierLevel.objects.get(code="B").conditions == [
        {"measure": "arpu_quarter", "min": 2500},
        {"flag": "welfare"},
    ]
    bad = client.post(reverse("customers:tier_edit", args=["B"]),
                      {"name": "B", "rank": 2, "routing_priority": 0, "cond": ["arpu_quarter"], "cond_min": ["x"]})  # fmt: skip
    assert bad.status_code == 400
    assert zh_client(web_org.supervisor).get(reverse("customers:tier_edit", args=["B"])).status_code == 403


def test_supervisor_assigns_a_responsible_person_to_an_a_customer(web_org, zh_client):
    a = CustomerFactory(name="华星集团", flags=["known_brand"])
    tiers_recompute()
    client = zh_client(web_org.supervisor)
    assert "华星集团" in client.get(reverse("customers:responsible")).content.decode()
    response = client.post(reverse("customers:responsible"), {"customer": [a.pk], "owner": web_org.agent.pk})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.owner == web_org.agent


def test_manager_sets_and_clears_an_override_on_the_customer_page(web_org, zh_client):
    c = CustomerFactory()
    client = zh_client(web_org.manager)
    url = reverse("customers:tier_override", args=[c.pk])
    client.post(url, {"tier": "A", "reason": "战略合作", "expires_on": ""})
    c.refresh_from_db()
    assert c.tier_id == "A" and TierOverride.objects.get(customer=c).expires_on is None
    client.post(url, {"clear": "1"})
    c.refresh_from_db()
    assert c.tier_id == "C" and not TierOverride.objects.exists()


def test_ladder_page_and_recompute_button(web_org, zh_client):
    CustomerFactory(flags=["deputy"])
    client = zh_client(web_org.manager)
    assert client.get(reverse("customers:tiers")).status_code == 200
    assert client.post(reverse("customers:tiers_recompute")).status_code == 302
    assert client.get(reverse("customers:tiers")).status_code == 200
    assert zh_client(web_org.agent).post(reverse("customers:tiers_recompute")).status_code == 403
