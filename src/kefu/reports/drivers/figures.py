"""The names and units of the figures the driver analysis reads (one mapping, by code)."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    """How a figure's change is read: one step of the driver, and the target's change."""

    PERCENT = "percent"  # a rate in percent; a change is in percentage points
    SECONDS = "seconds"
    SCORE = "score"  # a score such as the 0–100 quality score; a change is in points of it
    OTHER = "other"  # a figure this module does not know


@dataclass(frozen=True)
class Figure:
    name: Any  # a lazy translation
    unit: Unit


# The names and units of the figures this analysis reads, by code. The KPI catalogue (kefu.reports.metrics)
# will own them once merged; then this mapping becomes a look-up there and stays the only place this module
# learns a figure's name or unit.
FIGURES: dict[str, Figure] = {
    "csat": Figure(_("satisfaction"), Unit.PERCENT),
    "fcr": Figure(_("FCR"), Unit.PERCENT),
    "answer_rate": Figure(_("answer rate"), Unit.PERCENT),
    "asa": Figure(_("ASA"), Unit.SECONDS),
    "quality_score": Figure(_("quality score"), Unit.SCORE),
    "aht": Figure(_("AHT"), Unit.SECONDS),
    "occupancy": Figure(_("occupancy"), Unit.PERCENT),
}


def figure(code: str) -> Figure:
    """The name and unit of a figure; an unknown code is named by itself."""
    return FIGURES.get(code) or Figure(code, Unit.OTHER)


def figure_name(code: str) -> str:
    return str(figure(code).name)
