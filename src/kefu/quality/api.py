"""API for quality inspection under /api/quality/."""

from ninja import Router

router = Router(tags=["quality"])
