"""Signals of the work-order app, for other apps to listen to without tickets knowing them."""

from django.dispatch import Signal

#: Sent with `events=[TicketEvent, ...]` after timeline events were written in bulk (bulk_create
#: sends no post_save); a single event written with save() announces itself through post_save.
events_recorded = Signal()
