"""Signals other apps listen to (the callbacks app: a dissatisfied rating asks for a callback)."""

from django.dispatch import Signal

#: Sent after the transaction that stored a portal rating commits; kwargs: rating (models.Rating).
rating_given = Signal()
