"""What the analysis says, in the active language: readings, reasons, problems; numbers rounded for display."""

import math
from collections.abc import Mapping

from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext

from .figures import Unit, figure, figure_in_text
from .model import Because, Coefficient, Model, Problem, significant


def fmt_number(value: float) -> str:
    """A number for a sentence: 2 decimals, or 2 significant digits below 0.1 (0.049 stays 0.049)."""
    size = abs(value)
    if size == 0 or size >= 0.1:
        return f"{value:.2f}"
    digits = 1 - math.floor(math.log10(size))
    return f"{value:.{digits}f}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return gettext("p unknown")
    if p < 0.001:
        return gettext("p < 0.001")
    return gettext("p = %(p)s") % {"p": f"{p:.3f}"}


def _step(code: str) -> str:
    """'One point more FCR' — one unit of the driver, said in its unit."""
    unit, name = figure(code).unit, figure_in_text(code)
    if unit is Unit.PERCENT:
        text = pgettext("a percentage", "One point more %(driver)s")
    elif unit is Unit.SECONDS:
        text = gettext("One second more %(driver)s")
    elif unit is Unit.SCORE:
        text = pgettext("a score", "One point more %(driver)s")
    else:
        text = gettext("One unit more %(driver)s")
    return text % {"driver": name}


def _amount_unit(code: str) -> str:
    """The unit of a change of the target ('points' of a percentage, 'seconds', ...)."""
    unit = figure(code).unit
    if unit is Unit.PERCENT:
        return pgettext("a percentage", "points")
    if unit is Unit.SECONDS:
        return gettext("seconds")
    if unit is Unit.SCORE:
        return pgettext("a score", "points")
    return gettext("units")


def reading(coefficient: Coefficient, *, target: str) -> str:
    """The plain-language reading of one driver's coefficient; not significant at 5 %: no clear link."""
    p = coefficient.p
    if not significant(coefficient) or coefficient.estimate is None:
        return gettext("No clear link between %(driver)s and %(target)s (%(p)s)") % {
            "driver": figure_in_text(coefficient.name),
            "target": figure_in_text(target),
            "p": fmt_p(p),
        }
    if coefficient.estimate >= 0:
        text = gettext("%(step)s goes with %(amount)s %(unit)s more %(target)s (%(p)s)")
    else:
        text = gettext("%(step)s goes with %(amount)s %(unit)s lower %(target)s (%(p)s)")
    return text % {
        "step": _step(coefficient.name),
        "amount": fmt_number(abs(coefficient.estimate)),
        "unit": _amount_unit(target),
        "target": figure_in_text(target),
        "p": fmt_p(p),
    }


def reason_text(reason: Mapping, *, target: str = "csat") -> str:
    """Why a driver was left out, in the active language."""
    return capfirst(_reason_text(reason, target=target))


def _reason_text(reason: Mapping, *, target: str) -> str:
    because, name = reason["because"], figure_in_text(reason["dropped"])
    if because == Because.MISSING:
        return gettext(
            "%(driver)s left out: missing in %(missing)d of %(rows)d rows (more than %(limit)s%%)"
        ) % {
            "driver": name,
            "missing": reason["missing"],
            "rows": reason["rows"],
            "limit": f"{reason['limit'] * 100:.0f}",
        }
    if because == Because.CONSTANT:
        return gettext("%(driver)s left out: the same in every row") % {"driver": name}
    if because == Because.COLLINEAR:
        return gettext(
            "%(driver)s left out: it moves with %(other)s (r = %(r)s), which goes more with %(target)s"
        ) % {
            "driver": name,
            "other": figure_in_text(reason["with"]),
            "r": f"{reason['r']:.4f}",
            "target": figure_in_text(target),
        }
    if because == Because.VIF:
        vif = "∞" if reason["vif"] is None else f"{reason['vif']:.1f}"
        return gettext("%(driver)s left out: variance inflation factor %(vif)s, above 10") % {
            "driver": name,
            "vif": vif,
        }
    return gettext("%(driver)s eliminated: not significant (%(p)s)") % {
        "driver": name,
        "p": fmt_p(reason["p"]),
    }


def problem_text(problem: Mapping, *, target: str = "csat") -> str:
    """Why there is no model, in the active language."""
    code = problem["code"]
    if code == Problem.TOO_FEW_ROWS:
        return ngettext(
            "Only %(rows)d row of the panel has every figure; %(drivers)d drivers need at least %(needed)d "
            "rows (5 per coefficient, never fewer than 10), so no model is fitted.",
            "Only %(rows)d rows of the panel have every figure; %(drivers)d drivers need at least %(needed)d "
            "rows (5 per coefficient, never fewer than 10), so no model is fitted.",
            problem["rows"],
        ) % {"rows": problem["rows"], "drivers": problem["drivers"], "needed": problem["needed"]}
    if code == Problem.TARGET_CONSTANT:
        return capfirst(
            gettext(
                "%(target)s is the same in every row (%(value)s): there are no differences to explain, so no "
                "model is fitted."
            )
            % {"target": figure_in_text(target), "value": fmt_number(problem["value"])}
        )
    return gettext("No driver is left to regress on (each one's reason is listed), so no model is fitted.")


def reading_order(model: Model) -> list[Coefficient]:
    def key(c: Coefficient):
        if significant(c):
            return (False, -abs(c.beta or 0.0))
        return (True, c.p if c.p is not None else 2.0)

    return sorted(model.coefficients, key=key)
