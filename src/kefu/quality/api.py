"""API for quality inspection under /api/quality/."""

from ninja import Router

from kefu.quality.api_reviews import router as reviews_router

router = Router(tags=["quality"])
router.add_router("/inspections", reviews_router)
