"""Background work of kefu.callbacks; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kefu.callbacks import services
from kefu.tickets.models import Ticket


@db_task()
def send_survey(ticket_id: int):
    """The survey link after a work order was resolved (once per contact)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    invitation = services.survey_invite(ticket=ticket)
    return invitation.pk if invitation else None


@db_periodic_task(crontab(minute="*/5"))
@lock_task("callbacks-generate")
def generate_callbacks():
    """Every five minutes: create the callback plans' due tasks (idempotent)."""
    return services.callback_plans_generate()
