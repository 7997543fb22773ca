"""Every write of the callbacks app (回访与满意度)."""

from kefu.callbacks.services.feedback import feedback_forward, feedback_reply
from kefu.callbacks.services.outcome import current_round, satisfaction_record
from kefu.callbacks.services.plans import callback_plan_generate, callback_plans_generate
from kefu.callbacks.services.reviews import review_record
from kefu.callbacks.services.surveys import (
    chat_survey_offer,
    survey_answer,
    survey_invite,
    survey_open,
    survey_url,
)
from kefu.callbacks.services.work import callback_attempt, callback_complete

__all__ = [
    "callback_attempt",
    "callback_complete",
    "callback_plan_generate",
    "callback_plans_generate",
    "chat_survey_offer",
    "current_round",
    "feedback_forward",
    "feedback_reply",
    "review_record",
    "satisfaction_record",
    "survey_answer",
    "survey_invite",
    "survey_open",
    "survey_url",
]
