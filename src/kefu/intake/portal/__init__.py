"""Customer portal (网上服务大厅): public pages to submit a contact, track it, add information and rate it.

No login: a customer proves they may see a work order with its number and the phone they gave, or
with the signed tracking link shown after submitting (tracking.py). Abuse is held off by rate limits
in the cache and a small arithmetic challenge (limits.py).
"""
