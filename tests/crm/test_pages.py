"""The care page (/crm/care/) and the hand-over pages (/crm/handover/)."""

import pytest
from django.test import Client
from django.urls import reverse

from kefu.accounts.models import User
from kefu.crm.models import CareRule
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_care_page_shows_rules_to_leads_and_lets_managers_edit(org, greeting):
    CareRule.objects.create(name="生日短信", kind="birthday", template=greeting)
    assert client_for(org.agent).get(reverse("care:home")).status_code == 403
    page = client_for(org.supervisor).get(reverse("care:home"))
    assert page.status_code == 200 and "生日短信" in page.content.decode()
    assert client_for(org.supervisor).get(reverse("care:rule_create")).status_code == 403

    manager = client_for(org.manager)
    bad = manager.post(
        reverse("care:rule_create"),
        {"name": "中秋", "kind": "holiday", "channel": "sms", "template": greeting.pk, "send_time": "22:00"},
    )
    assert bad.status_code == 200  # shown again with the fields named
    assert "免打扰" in bad.content.decode() and "请至少选择一个节日" in bad.content.decode()
    good = manager.post(
        reverse("care:rule_create"),
        {
            "name": "中秋",
            "kind": "holiday",
            "channel": "sms",
            "template": greeting.pk,
            "send_time": "09:30",
            "holidays": ["mid_autumn"],
            "tiers": ["A"],
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    assert CareRule.objects.get(name="中秋").holidays == ["mid_autumn"]


def test_the_handover_form_moves_everything_and_the_list_is_then_empty(org):
    leaving = User.objects.create(username="leaving", role="agent", display_name="离职员工")
    CustomerFactory(owner=leaving)
    manager = client_for(org.manager)
    page = manager.get(reverse("handover:user", args=[leaving.pk]))
    assert page.status_code == 200 and "离职员工" in page.content.decode()
    answer = manager.post(
        reverse("handover:user", args=[leaving.pk]), {"to": org.agent2.pk, "deactivate": "on"}
    )
    assert answer.status_code == 302
    assert not User.objects.get(pk=leaving.pk).is_active
    assert "已停用的同事名下没有任何客户或工作" in manager.get(reverse("handover:home")).content.decode()
    assert client_for(org.agent).get(reverse("handover:home")).status_code == 403


def test_the_staff_list_offers_the_handover(org):
    CustomerFactory(owner=org.agent)
    manager = client_for(org.manager)
    staff = manager.get(reverse("org:home") + "?tab=staff").content.decode()
    assert reverse("handover:user", args=[org.agent.pk]) in staff


def test_deactivating_someone_who_still_holds_customers_leads_to_the_handover(org):
    CustomerFactory(owner=org.agent)
    answer = client_for(org.manager).post(
        reverse("org:staff_edit", args=[org.agent.pk]),
        {
            "role": "agent",
            "display_name": org.agent.display_name,
            "department": org.center.pk,
            "is_active": "",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("handover:user", args=[org.agent.pk])
    nothing_held = client_for(org.manager).post(
        reverse("org:staff_edit", args=[org.agent2.pk]),
        {
            "role": "agent",
            "display_name": org.agent2.display_name,
            "department": org.center.pk,
            "is_active": "",
        },
    )
    assert nothing_held["Location"] != reverse("handover:user", args=[org.agent2.pk])
