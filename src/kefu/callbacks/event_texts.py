"""What callbacks and satisfaction say on a work order's timeline, by code (kefu.tickets.timeline).

The services store a code and its parameters; these render them in the reader's language when the
timeline is shown. Registered in CallbacksConfig.ready().
"""

from django.utils.translation import gettext as _

from kefu.callbacks.models import Attempt, Feedback, Satisfaction, Score


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def source_label(source: str) -> str:
    """Where a verdict came from: callback, survey link, portal, end of chat."""
    return _label(Satisfaction.Source, source)


def verdict(params: dict) -> str:
    score = _label(Score, params.get("score", ""))
    if params.get("solved") is False:
        score = _("%(score)s, not solved") % {"score": score}
    return _("Customer's verdict (%(source)s): %(score)s") % {
        "source": source_label(params.get("source", "")),
        "score": score,
    }


def not_satisfied(params: dict) -> str:
    return _("The customer is not satisfied (%(source)s)") % {
        "source": source_label(params.get("source", ""))
    }


def satisfied(params: dict) -> str:
    return _("The customer is satisfied (%(source)s)") % {"source": source_label(params.get("source", ""))}


def callback_refused(params: dict) -> str:
    return _("Callback refused by the customer.")


def callback_unreachable(params: dict) -> str:
    return _("Callback closed as unreachable after %(n)s attempts (last: %(result)s).") % {
        "n": params.get("attempts", ""),
        "result": _label(Attempt.Result, params.get("result", "")),
    }


def feedback_reply(params: dict) -> str:
    return _("%(dept)s answered the customer's %(kind)s") % {
        "dept": params.get("department", ""),
        "kind": _label(Feedback.Kind, params.get("kind", "")).lower(),
    }


TEXTS = {
    "satisfaction.verdict": verdict,
    "satisfaction.not_satisfied": not_satisfied,
    "satisfaction.satisfied": satisfied,
    "callback.refused": callback_refused,
    "callback.unreachable": callback_unreachable,
    "feedback.reply": feedback_reply,
}


def register() -> None:
    from kefu.tickets.services.escalation import SOURCE_LABEL
    from kefu.tickets.timeline import EVENT_TEXTS

    for code, render in TEXTS.items():
        EVENT_TEXTS.register(render, key=code)
    SOURCE_LABEL.register(source_label)
