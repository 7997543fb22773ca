"""Kefu's SQLite backend: Django's, with writers that wait their turn (see base.py)."""
