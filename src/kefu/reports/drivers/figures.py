"""The names and units of the figures the driver analysis reads: a look-up in the KPI catalogue.

The catalogue (`kefu.reports.metrics.FIGURES`) is the one owner of a figure's code, name and unit; this
module only translates its unit into how a change is read (a rate in the panel is in percent, so one step
is a percentage point) and accepts the analysis' older short names as aliases of catalogue codes.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The analysis' short names, as the seed study named its figures, for the catalogue's codes.
ALIASES: dict[str, str] = {
    "answer_rate": "calls_answer_rate",
    "asa": "calls_asa",
    "aht": "calls_aht",
}


class Unit(StrEnum):
    """How a figure's change is read: one step of the driver, and the target's change."""

    PERCENT = "percent"  # a rate in percent (the panel's scale); a change is in percentage points
    SECONDS = "seconds"
    SCORE = "score"  # a score such as the 0–100 quality score; a change is in points of it
    OTHER = "other"  # a count, or a figure the catalogue does not know


@dataclass(frozen=True)
class Figure:
    name: Any  # the catalogue's (lazy) name, or the code itself when the catalogue has no such figure
    unit: Unit


def code_of(name: str) -> str:
    """The catalogue code of a figure named by its code or by one of the analysis' short names."""
    return ALIASES.get(name, name)


def figure(code: str) -> Figure:
    """The name and unit of a figure, from the catalogue; an unknown code is named by itself."""
    from kefu.reports.metrics import FIGURES
    from kefu.reports.metrics import Unit as CatalogueUnit

    found = FIGURES.get(code_of(code))
    if found is None:
        return Figure(code, Unit.OTHER)
    unit = {
        CatalogueUnit.PERCENT: Unit.PERCENT,
        CatalogueUnit.SECONDS: Unit.SECONDS,
        CatalogueUnit.SCORE: Unit.SCORE,
    }.get(found.unit, Unit.OTHER)
    return Figure(found.name, unit)


def figure_name(code: str) -> str:
    """The catalogue's name of a figure, as a heading or label shows it ("First-contact resolution")."""
    return str(figure(code).name)


def figure_in_text(code: str) -> str:
    """The name inside a sentence: its first letter in lower case unless the name is an abbreviation
    ("first-contact resolution", but "ASA"); Chinese names are unchanged."""
    name = figure_name(code)
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name
