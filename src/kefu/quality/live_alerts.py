"""Live alerts (实时预警): while a chat runs, each new line is checked, and a severe finding or the
customer's negative emotion tells the agent's supervisor at once, so they can step in before the
survey.

What is checked: the active rules of the chat rubric's published version whose item is severe or
fatal, and one built-in leaf, the customer's negative emotion (`emotion`, the engine's lexicon with
negation: "我要投诉" alerts, "不是投诉" does not). Who is told: the person above the agent
(`User.above()`: their superior, else the head of their department), else the supervisors (else
any lead). How: an in-app notification (kind `quality_alert`) linked to the chat's work order,
pushed in real time through the notifications websocket (kefu.notify), so it appears as a toast on
whatever page the supervisor has open. Each rule (and the emotion) alerts once per chat: the
LiveAlert row's unique key says it was told.

The hook: intake.chat knows nothing of quality (lower apps never import higher ones); a post_save
receiver on its ChatLine queues the check after the line's transaction commits (kefu.core.tasks),
so typing a line never waits for the engine.
"""

import logging
import threading

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kefu.accounts.models import LEAD_ROLES, Role, User
from kefu.core.tasks import run_later
from kefu.intake.chat.models import ChatLine, ChatSession
from kefu.quality import selectors
from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import RuleSpec, compile_rules
from kefu.quality.models import LiveAlert, RubricVersion, Rule, Severity
from kefu.quality.services.phrases import phrase_entries, phrases_token

log = logging.getLogger(__name__)

KIND = "quality_alert"
EMOTION = "emotion"
EMOTION_CONDITION = {"type": "emotion", "role": "customer", "range": {"kind": "all"}}
ALERT_SEVERITIES = (Severity.SEVERE, Severity.FATAL)

_compiled: dict[object, tuple[object, tuple]] = {}
_compiled_lock = threading.Lock()


@receiver(post_save, sender=ChatLine, dispatch_uid="kefu.quality.live_alerts.chat_line")
def on_chat_line(sender, instance: ChatLine, created: bool, raw: bool = False, **kwargs) -> None:
    """A customer's or agent's line in a chat with an agent: check the chat once the line commits."""
    if raw or not created or instance.internal or instance.sender == ChatLine.Sender.SYSTEM:
        return
    session = getattr(instance, "session", None)
    if session is not None and session.agent_id is None:
        return  # nobody to step in for yet (still waiting in the queue)
    run_later(chat_alerts_check, session_id=instance.session_id)


def chat_version(session: ChatSession) -> RubricVersion | None:
    """The published version of the rubric that scores this chat (by channel and the skill asked
    for as its queue; kefu.quality.selectors.pick_rubric)."""
    queue = session.skill.name if session.skill_id else ""
    picked = selectors.pick_rubric(selectors.routing(), channel="chat", queue=queue)
    return picked[1] if picked else None


def _compiled_for(version: RubricVersion | None):
    """The engine's compiled alert rules of a published version (which never changes) plus the
    emotion leaf, built once per process; rebuilt when the knowledge base's phrase lists change."""
    token = phrases_token()
    identity = (version.pk, version.published_at) if version is not None else None
    held = _compiled.get(identity)
    if held is not None and held[0] is token:
        return held[1]
    specs = [RuleSpec(key=EMOTION, condition=EMOTION_CONDITION)]
    names: dict[object, Rule] = {}
    if version is not None:
        rules = Rule.objects.filter(
            version=version, is_active=True, item__severity__in=ALERT_SEVERITIES
        ).select_related("item")
        for rule in rules:
            specs.append(RuleSpec(key=f"rule:{rule.pk}", condition=rule.condition))
            names[f"rule:{rule.pk}"] = rule
    try:
        built = (compile_rules(specs, phrases=phrase_entries()), names)
    except ValueError:
        log.exception("live alerts: a rule of %s does not compile; checking emotion only", version)
        built = (compile_rules(specs[:1]), {})
    with _compiled_lock:
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[identity] = (token, built)
    return built


def _conversation(session: ChatSession) -> Conversation:
    start = session.requested_at
    sentences = []
    for sender, text, at in (
        session.lines.filter(internal=False)
        .order_by("created_at", "id")
        .values_list("sender", "text", "created_at")
    ):
        ms = int((at - start).total_seconds() * 1000) if start else None
        sentences.append({"role": sender, "text": text, "start_ms": ms, "end_ms": ms})
    return Conversation.from_json(sentences, channel="chat")


def supervisors_of(agent: User) -> list[User]:
    """Who steps in for `agent`: the person above them, else the supervisors, else any lead."""
    above = agent.above()
    if above is not None and above.is_active:
        return [above]
    for roles in ([Role.SUPERVISOR], list(LEAD_ROLES)):
        leads = list(User.objects.filter(role__in=roles, is_active=True).exclude(pk=agent.pk))
        if leads:
            return leads
    return []


def chat_alerts_check(*, session_id: int) -> int:
    """Check a running chat and tell the agent's supervisor of each new severe finding or negative
    emotion; returns how many alerts were raised. Safe to run twice (each alert once per chat);
    a chat no longer running is left alone."""
    from kefu.notify.services import notify

    session = ChatSession.objects.select_related("agent", "ticket", "skill").filter(pk=session_id).first()
    if session is None or session.state != ChatSession.State.ACTIVE or session.agent is None:
        return 0
    version = chat_version(session)
    compiled, rules = _compiled_for(version)
    conversation = _conversation(session)
    told = set(LiveAlert.objects.filter(chat_session=session).values_list("key", flat=True))
    raised = 0
    for hit in compiled.inspect(conversation):
        if hit.key in told:
            continue
        rule = rules.get(hit.key)
        shown = next((e for e in hit.evidence if e.sentence is not None), None)
        quote = conversation.sentences[shown.sentence].text if shown is not None else ""
        try:
            with transaction.atomic():
                LiveAlert.objects.create(
                    chat_session=session, key=str(hit.key)[:40], rule=rule, quote=quote[:300]
                )
                what = (
                    _("%(rule)s (%(severity)s)")
                    % {"rule": rule.name, "severity": rule.item.get_severity_display()}
                    if rule is not None
                    else _("The customer is upset")
                )
                notify(
                    users=supervisors_of(session.agent),
                    ticket=session.ticket,
                    kind=KIND,
                    title=_("Live alert: %(agent)s's chat needs you") % {"agent": session.agent.label},
                    body=f"{what}: “{quote}”" if quote else str(what),
                )
        except IntegrityError:
            continue  # another worker told it a moment ago
        told.add(hit.key)
        raised += 1
    return raised
