"""Care touches and hand-overs (see apps.py)."""
