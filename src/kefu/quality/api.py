"""API for quality inspection under /api/quality/."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status as HttpStatus

from kefu.accounts.api import user_of
from kefu.core.errors import ValidationError
from kefu.quality.asr import decode

router = Router(tags=["quality"])


class TranscriptsRefused(ValidationError):
    """Every item of a transcripts request refused: the API's 422, with the per-item answers."""

    def __init__(self, message: str, *, errors: dict, items: list[dict]):
        super().__init__(message, errors=errors)
        self.items = items

    def as_dict(self) -> dict:
        return {**super().as_dict(), "items": self.items}


# --- transcripts (kefu.quality.services.transcripts) --------------------------------------------------

TRANSCRIPTS_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "One transcript, a JSON array of them, or JSON lines (docs/quality.md, Transcripts): Kefu's "
            "own format, or an Alibaba Cloud / Tencent Cloud sentence-level result beside `call_id`."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "additionalProperties": True},
                        {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                    ]
                },
                "example": {
                    "call_id": "1732240200.42",
                    "agent": "8001",
                    "queue": "hotline",
                    "started_at": "2026-11-22T09:30:00+08:00",
                    "sentences": [
                        {"role": "agent", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1800},
                        {"role": "customer", "text": "我的快递还没到", "start_ms": 2100, "end_ms": 3900},
                    ],
                },
            }
        },
    },
    "parameters": [
        {
            "in": "query",
            "name": "agent_channel",
            "required": False,
            "schema": {"type": "string", "default": "0"},
            "description": "Vendor results: the channel (or speaker id) of the agent, unless an item says.",
        }
    ],
}


@router.post(
    "/transcripts",
    summary="Send speech-recognition transcripts",
    openapi_extra=TRANSCRIPTS_BODY,
    response={200: dict},
)
def transcripts_post(request: HttpRequest):
    """Store call transcripts from a speech-recognition service (supervisors, managers, QA).

    Answers per item: `created` (with the sentences dropped for having no text, whether they were
    sorted, the overlaps kept, whether the call was linked), `existing` (sent before: nothing
    changes), or `error` with each bad field named (`sentences[3].end_ms`). 200 when at least one
    item was stored or known; 422 with the field names (prefixed `[i].` for a list) when all failed.
    """
    from kefu.quality.services.transcripts import transcripts_ingest

    user = user_of(request)
    text = decode(request.body or b"")
    agent_channel = request.GET.get("agent_channel", "0")
    outcomes = transcripts_ingest(text=text, by=user, agent_channel=agent_channel)
    items = [o.as_dict() for o in outcomes]
    counts = {
        status: sum(1 for o in outcomes if o.status == status) for status in ("created", "existing", "error")
    }
    if counts["error"] == len(outcomes):
        single = len(outcomes) == 1 and text.lstrip("\ufeff \t\r\n")[:1] != "["
        errors = {
            (name if single else f"[{o.index}].{name}"): messages
            for o in outcomes
            for name, messages in o.errors.items()
        }
        message = _("No transcript stored. Please correct: %(fields)s") % {"fields": ", ".join(errors)}
        raise TranscriptsRefused(message, errors=errors, items=items)
    return HttpStatus(
        200,
        {
            "created": counts["created"],
            "existing": counts["existing"],
            "failed": counts["error"],
            "items": items,
        },
    )
