"""API for quality inspection under /api/quality/."""

from ninja import Router

from kefu.quality.api_reports import calibration_router, reports_router

router = Router(tags=["quality"])
router.add_router("/reports", reports_router)
router.add_router("/calibration", calibration_router)
