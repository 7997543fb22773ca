"""Safe rendering of message templates: only `{name}` placeholders from a fixed list.

No attribute or index access, no format specs: a template is data a manager edits, so it must not
reach into Python objects. `{{` and `}}` stand for literal braces.
"""

import re

from django.utils.translation import gettext as _

VARIABLES = {
    "customer_name": "the customer's name (顾客姓名)",
    "ticket_no": "the work-order number (工单号)",
    "promised_time": "the promised reply time (承诺答复时间)",
    "result": "the result given when resolving (处理结果)",
    "survey_url": "the satisfaction survey link (满意度调查链接)",
    "agent_no": "the agent's work number or name (工号)",
}
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def template_errors(text: str) -> list[str]:
    """What is wrong with `text` as a template: unknown variables and stray braces (empty: fine)."""
    errors: list[str] = []
    for match in TOKEN.finditer(text or ""):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            errors.append(_("A lone “%(brace)s”: write {{ or }} for a literal brace.") % {"brace": token})
        elif name.strip() not in VARIABLES:
            errors.append(
                _("Unknown variable {%(name)s}; use one of: %(known)s.")
                % {"name": name, "known": ", ".join(f"{{{v}}}" for v in VARIABLES)}
            )
    return errors


def render(text: str, values: dict) -> str:
    """Fill the placeholders of a validated template; a variable without a value becomes empty."""

    def fill(match: re.Match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = (match.group(1) or "").strip()
        if name not in VARIABLES:
            raise ValueError(f"unknown template variable {token}")
        return str(values.get(name) or "")

    return TOKEN.sub(fill, text or "")
