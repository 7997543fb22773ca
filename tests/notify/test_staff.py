"""Staff notifications: email preferences per kind honoured by notify(), and the pages."""

from django.core import mail

from kefu.notify.models import Notification, NotificationPreference
from kefu.notify.services import notify


def send(org, django_capture_on_commit_callbacks, *, kind: str, email: bool):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[org.agent, org.agent2], kind=kind, title="标题", body="正文", email=email)


def test_a_caller_asking_for_email_sends_it_to_people_without_a_preference(
    org, django_capture_on_commit_callbacks
):
    send(org, django_capture_on_commit_callbacks, kind="escalation", email=True)
    assert {m.to[0] for m in mail.outbox} == {org.agent.email, org.agent2.email}


def test_turning_email_off_for_a_kind_stops_those_emails_only_for_that_person(
    org, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=org.agent, kind="escalation", email=False)
    send(org, django_capture_on_commit_callbacks, kind="escalation", email=True)
    assert [m.to for m in mail.outbox] == [[org.agent2.email]]
    assert Notification.objects.filter(user=org.agent, kind="escalation").count() == 1  # still in-app


def test_turning_email_on_for_a_kind_sends_it_even_when_the_caller_does_not_ask(
    org, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=org.agent, kind="customer_message", email=True)
    send(org, django_capture_on_commit_callbacks, kind="customer_message", email=False)
    assert [m.to for m in mail.outbox] == [[org.agent.email]]


def test_the_preferences_page_saves_the_ticked_kinds(org, client):
    client.force_login(org.agent)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and 'value="escalation" checked' in page.content.decode()

    client.post("/notifications/preferences/", {"email": ["sla_breach"]})

    prefs = dict(NotificationPreference.objects.filter(user=org.agent).values_list("kind", "email"))
    assert prefs["sla_breach"] is True and prefs["escalation"] is False


def test_mark_all_read_clears_the_unread_counter(org, client):
    notify(users=[org.agent], kind="dispatch", title="一")
    notify(users=[org.agent], kind="dispatch", title="二")
    client.force_login(org.agent)
    assert 'data-count="2"' in client.get("/notifications/count/").content.decode()

    client.post("/notifications/read/")

    assert 'data-count="0"' in client.get("/notifications/count/").content.decode()


def test_the_template_page_lists_templates_for_managers_only(org, client):
    client.force_login(org.agent)
    assert client.get("/notifications/templates/").status_code == 403
    client.force_login(org.manager)
    page = client.get("/notifications/templates/")
    assert page.status_code == 200 and "受理回执（短信）" in page.content.decode()
