"""Signals of the work-order app, for other apps to listen to without tickets knowing them."""

from django.dispatch import Signal

#: Sent by the timeline (kefu.tickets.timeline) with `events=[TicketEvent, ...]` for every event
#: written, one at a time or in a batch, inside the transaction that wrote them. Listeners derive
#: their side effects from the event kinds (kefu.notify.signals, kefu.callbacks.receivers).
events_recorded = Signal()
