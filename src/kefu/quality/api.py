"""API for quality inspection under /api/quality/."""

from ninja import Router

from kefu.quality.api_reports import calibration_router, reports_router

router = Router(tags=["quality"])
reports_router.mount(router)
calibration_router.mount(router)
