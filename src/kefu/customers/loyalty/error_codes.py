"""Codes of the loyalty card's rules (会员卡/积分) a client can act on."""

from enum import StrEnum


class LoyaltyErrorCode(StrEnum):
    POINTS_BALANCE_SHORT = (
        "points_balance_short"  # (field `points`) the balance does not cover the redemption
    )
    CARD_CRITERIA_NOT_MET = (
        "card_criteria_not_met"  # (field `level`) the customer falls short of the level's minimum
    )
    CARD_LEVEL_NOT_HIGHER = (
        "card_level_not_higher"  # (field `level`) the customer's card is already at or above it
    )
    CARD_APPLICATION_PENDING = "card_application_pending"  # (field `level`) an application waits for approval
    CARD_APPLICATION_DECIDED = (
        "card_application_decided"  # (field `status`) the application was decided already
    )
