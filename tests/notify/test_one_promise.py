"""One promise per work order: the portal's confirmation and tracking page, the acknowledgement SMS
and email, and the agents' scripts all tell the customer the same "we will reply by" time
(kefu.tickets.services.sla.reply_by: the resolution deadline)."""

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from kefu.intake.portal.tracking import tracking_token
from kefu.knowledge.services import script_create, script_use
from kefu.notify.notices import customer_notice_send
from kefu.tickets.models import SlaClock, SlaTarget, Ticket
from kefu.tickets.services.sla import reply_by
from tests.tickets.helpers import MONDAY_9

pytestmark = pytest.mark.django_db


def shown(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@time_machine.travel(MONDAY_9, tick=False)
def test_portal_sms_email_and_script_promise_the_same_time(
    org, client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/",
            {
                "ticket_type": "complaint",
                "customer_name": "王先生",
                "customer_phone": "13800138000",
                "customer_email": "wang@example.com",
                "content": "二楼奶茶店的吸管里有异物。",
            },
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    clocks = {c.target: c.due_at for c in SlaClock.objects.filter(ticket=ticket)}
    promise = shown(clocks[SlaTarget.RESOLUTION])
    assert promise != shown(clocks[SlaTarget.FIRST_RESPONSE])  # two deadlines, one promise
    assert shown(reply_by(ticket)) == promise

    confirmation = client.get(f"/portal/done/{tracking_token(ticket)}/").content.decode()
    tracking = client.get(f"/portal/t/{tracking_token(ticket)}/").content.decode()
    (sms,) = sms_outbox
    with django_capture_on_commit_callbacks(execute=True):
        customer_notice_send(ticket=ticket, kind="acknowledgement", channel="email")
    (email,) = mail.outbox
    script = script_create(
        title="承诺", text="{customer_name}您好，我们将在{promised_time}前答复您。", by=org.supervisor
    )
    filled = script_use(script=script, by=org.agent, ticket=ticket)

    for where, text in [
        ("confirmation", confirmation),
        ("tracking page", tracking),
        ("SMS", sms.text),
        ("email", email.body),
        ("script", filled),
    ]:
        assert promise in text, where
        assert shown(clocks[SlaTarget.FIRST_RESPONSE]) not in text, where
