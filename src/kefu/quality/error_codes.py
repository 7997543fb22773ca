"""Codes of the quality-inspection rules a client can act on (beside kefu.core.errors.FieldCode)."""

from enum import StrEnum


class QualityErrorCode(StrEnum):
    VERSION_NOT_DRAFT = "version_not_draft"  # a published or retired rubric version never changes
    VERSION_HAS_NO_ITEMS = "version_has_no_items"  # a version without any item cannot be published
    INVALID_CONDITION = "invalid_condition"  # a rule's condition the engine refuses (the field names where)
    ITEM_OF_ANOTHER_VERSION = "item_of_another_version"  # a rule must find an item of its own version
    DUPLICATE_ITEM_CODE = "duplicate_item_code"  # item codes are unique within a version
    SCORES_OUT_OF_ORDER = "scores_out_of_order"  # floor ≤ start ≤ ceiling


class ReviewErrorCode(StrEnum):
    """Codes of the review and appeal refusals (`details[].code` in the API)."""

    FINDINGS_PENDING = (
        "quality_findings_pending"  # submit with automatic findings not yet confirmed or rejected
    )
    WRONG_ITEM = "quality_item_not_in_version"  # a manual finding's item of another rubric version
    NO_SENTENCE = "quality_sentence_out_of_range"
    APPEAL_EMPTY = "quality_appeal_without_reason"
    FINDING_NOT_CONFIRMED = (
        "quality_finding_not_confirmed"  # a decision rejecting a finding that does not count
    )
