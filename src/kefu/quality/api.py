"""API for quality inspection under /api/quality/."""

from ninja import Router

router = Router(tags=["quality"])

# Review and appeal (/inspections/{id}/...) register their operations on this router. One flat
# router: ninja's OpenAPI paths lose their slash under a nested router (/apiquality/...).
from kefu.quality import api_reviews  # noqa: E402, F401
