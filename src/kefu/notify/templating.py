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
    # Care messages (kefu.crm.care): greetings and renewal reminders.
    "occasion": "the occasion: birthday, festival (生日/节日)",
    "contract": "the contract or service that expires (合同/服务)",
    "expires_on": "the day it expires (到期日)",
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


#: Punctuation that ends a clause or sentence. A value that ends with one (a reply typed as a full
#: sentence, "已为您退款。") swallows the template's own mark right after it: no "。。" or "。，".
STOPS = "。！？!?.；;…"
#: Marks that only lead on to what follows: dropped at a value's end, and before a stop when the value
#: between them is empty ("已办结：{result}。" with no result reads "已办结。").
LEADS = "，,、：:"
PUNCTUATION = STOPS + LEADS
#: A value `render` puts in exactly as it is (a regular expression both Python and the databases
#: read): not empty, no space at either end, not ending with a mark the punctuation rules fold, on
#: one line. Such a value can be put into a template rendered once (`render_with_slot`) by SQL.
VERBATIM = "\\A([^\\s\u00a0\u3000][^\\n]*)?[^\\s\u00a0\u3000" + PUNCTUATION + "]\\Z"
#: What stands for the slot's value in `render_with_slot`'s text (no template can contain it).
SLOT = "\ufffcslot\ufffc"


def render(text: str, values: dict) -> str:
    """Fill the placeholders of a validated template; a variable without a value becomes empty.

    The template's punctuation around a value gives way to the value's own (STOPS, LEADS), so a
    customer reply ending with "。" in "…已办结：{result}。" is not sent as "。。".
    """
    out: list[str] = []
    pos = 0
    after_stop = dangling = False
    for match in TOKEN.finditer(text or ""):
        out.append(_literal(text[pos : match.start()], out, after_stop, dangling))
        pos = match.end()
        after_stop = dangling = False
        token = match.group(0)
        if token in ("{{", "}}"):
            out.append(token[0])
            continue
        name = (match.group(1) or "").strip()
        if name not in VARIABLES:
            raise ValueError(f"unknown template variable {token}")
        value = str(values.get(name) or "").strip().rstrip(LEADS).rstrip()
        out.append(value)
        after_stop = bool(value) and value[-1] in STOPS
        dangling = not value
    out.append(_literal(text[pos:] if text else "", out, after_stop, dangling))
    return "".join(out)


def render_with_slot(text: str, values: dict, slot: str) -> str:
    """`text` rendered with `values`, the variable `slot` left as SLOT: replacing SLOT by a value that
    matches VERBATIM gives what `render` gives with that value (a million greetings, one rendering)."""
    return render(text, {**values, slot: SLOT})


def _literal(piece: str, out: list[str], after_stop: bool, dangling: bool) -> str:
    """A piece of the template's own text, its first mark dropped after a value that ended with a
    stop, or the mark before an empty value dropped when this piece goes on with a stop."""
    if after_stop and piece[:1] and piece[0] in PUNCTUATION:
        return piece[1:]
    if dangling and piece[:1] and piece[0] in STOPS:
        for i in range(len(out) - 1, -1, -1):
            if out[i]:
                if out[i][-1] in LEADS:
                    out[i] = out[i][:-1]
                break
    return piece
