"""Codes of the channels' own facts (a regulator's reference number, a letter's date ...)."""

from enum import StrEnum


class ChannelFactCode(StrEnum):
    UNKNOWN_FACT = "unknown_channel_fact"  # the channel has no fact of this name
    NO_FACTS_FOR_CHANNEL = "channel_takes_no_facts"  # this channel records no facts at all
