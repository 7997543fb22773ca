"""kefu.accounts.backends.AccountBackend: Django's ModelBackend with fewer statements per page."""

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from kefu.accounts.models import User

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_permissions_of_the_person_and_of_their_groups_are_read_in_one_statement(org):
    org.agent.user_permissions.add(Permission.objects.get(codename="export_customers"))
    group = Group.objects.create(name="通讯录")
    group.permissions.add(Permission.objects.get(codename="view_contacts"))
    org.agent.groups.add(group)
    agent = fresh(org.agent)
    with CaptureQueriesContext(connection) as captured:
        assert agent.has_perm("customers.export_customers") and agent.has_perm("customers.view_contacts")
        assert not agent.has_perm("customers.delete_customer")
    assert len(captured) == 1
    assert agent.get_all_permissions() == {"customers.export_customers", "customers.view_contacts"}
    assert not fresh(org.qa).has_perm("customers.view_contacts")  # another person: not theirs


def test_a_superuser_holds_every_permission_and_an_inactive_person_none(org):
    org.manager.is_superuser = True
    org.manager.save(update_fields=["is_superuser"])
    assert len(fresh(org.manager).get_all_permissions()) == Permission.objects.count()
    org.agent.user_permissions.add(Permission.objects.get(codename="export_customers"))
    User.objects.filter(pk=org.agent.pk).update(is_active=False)
    assert not fresh(org.agent).has_perm("customers.export_customers")


def test_the_signed_in_person_comes_with_their_department(org, client):
    client.force_login(org.agent)
    request = RequestFactory().get("/")
    request.session = client.session
    assert request.session.keys()  # the session read before counting
    with CaptureQueriesContext(connection) as captured:
        user = get_user(request)
        assert user.department.is_service_center
    assert user == org.agent and len(captured) == 1
