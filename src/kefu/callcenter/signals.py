"""A work order recorded by phone is linked to the call its agent is on (see services.call_link_new_ticket)."""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from kefu.tickets.models import Ticket

#: Sent by kefu.callcenter.imports.import_calls with `run=ImportRun` after a file's calls are stored,
#: and `first` and `last`, the earliest and latest arrival in the file (the rollups rebuild those days).
#: Imports write with plain INSERTs (no post_save per call); listeners (quality: transcripts waiting
#: for their call) look for what they need.
calls_imported = Signal()

#: Sent by kefu.callcenter.agent_states.agent_states_store with `source` and `added` (how many were
#: new, never 0) after a batch of agent state changes is stored with plain INSERTs (no post_save per
#: event), with `first` and `last`, the time the batch changed (`last` None: on to the present; see
#: agent_states.changed_until); the wallboard shows agents by state, the rollups rebuild those days.
agent_states_stored = Signal()


@receiver(post_save, sender=Ticket, dispatch_uid="callcenter_link_new_ticket")
def link_new_phone_ticket(sender, instance: Ticket, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from kefu.callcenter.services import call_link_new_ticket

        call_link_new_ticket(ticket=instance)
