"""Channels (受理渠道): every way a customer reaches the center, one sub-app per channel.

Each sub-app (kefu.intake.email, .portal, .chat, .manual) turns its contacts into work orders with
kefu.tickets.services.ticket_create and its correspondence into messages with
kefu.tickets.services.messages; answers go back by registering a sender for its channel.
"""
