"""Callback work (回访): attempts with a retry schedule, the script's answers, the final outcome."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.callbacks import event_texts
from kefu.callbacks.models import (
    Answer,
    Attempt,
    CallbackTask,
    Question,
    Satisfaction,
    Score,
    score_for_scale,
)
from kefu.callbacks.services.outcome import satisfaction_record
from kefu.core.calendars import add_business_time, load_calendar
from kefu.core.errors import NotFound, PermissionDenied, ValidationError
from kefu.tickets.models import TicketEvent
from kefu.tickets.timeline import record_event

THREE = [Score.SATISFIED, Score.FAIRLY, Score.DISSATISFIED]


def can_work(user: User, task: CallbackTask) -> bool:
    """Members of the plan's team (回访组) and leads."""
    if not user.is_active:
        return False
    return user.is_lead or task.plan.team.members.filter(pk=user.pk).exists()


def _locked(task: CallbackTask, by: User) -> CallbackTask:
    # Two agents of the team may open the same task: the row lock makes their calls count once.
    task = (
        CallbackTask.objects.select_for_update(of=("self",))
        .select_related("plan__team", "ticket")
        .filter(pk=task.pk)
        .first()
    )
    if task is None:
        raise NotFound(_("Callback task not found."))
    if not can_work(by, task):
        raise PermissionDenied(_("Only the callback team may work on this task."))
    if task.state != CallbackTask.State.OPEN:
        raise ValidationError.for_field(
            "task", _("This callback is %(state)s.") % {"state": CallbackTask.State(task.state).label}
        )
    return task


def _timeline(task: CallbackTask, by, now, outcome: str, code: str, params: dict, note: str) -> None:
    """The callback's end on the work order's timeline: a coded sentence (kefu.callbacks.event_texts)
    and what the agent typed."""
    if task.ticket_id:
        record_event(
            ticket=task.ticket, kind=TicketEvent.Kind.NOTE, by=by, now=now, note=(note or "").strip(),
            code=code, params=params, data={"callback": task.pk, "result": outcome},
        )  # fmt: skip


@transaction.atomic
def callback_attempt(
    *, task: CallbackTask, by: User, result: str, note: str = "", now: datetime | None = None
) -> CallbackTask:
    """Record a call that did not reach the customer (no answer, busy, wrong number, refused).

    No answer or busy: the next attempt is scheduled `retry_minutes` working minutes later; after
    the plan's last attempt the task closes as unreachable, on the timeline and with a notice to the
    owner and the team leader. A wrong number closes it as unreachable at once; a refusal closes it
    as refused. "Reached" is recorded by `callback_complete` with the answers.
    """
    from kefu.notify.services import notify

    now = now or timezone.now()
    if result not in Attempt.Result.values:
        raise ValidationError.for_field("result", _("Unknown result."))
    if result == Attempt.Result.REACHED:
        raise ValidationError.for_field(
            "result", _("Record the answers of a call that reached the customer.")
        )
    task = _locked(task, by)
    Attempt.objects.create(task=task, result=result, note=(note or "")[:500], by=by, created_at=now)
    task.attempt_count += 1
    if result == Attempt.Result.REFUSED:
        task.state = CallbackTask.State.CANCELLED
        task.completed_at, task.completed_by = now, by
        _timeline(task, by, now, result, "callback.refused", {"result": result}, note)
    elif result == Attempt.Result.WRONG_NUMBER or task.attempt_count >= task.plan.max_attempts:
        task.state = CallbackTask.State.UNREACHABLE
        task.completed_at, task.completed_by = now, by
        params = {"attempts": task.attempt_count, "result": result}
        _timeline(task, by, now, "unreachable", "callback.unreachable", params, note)
        people = [task.plan.team.leader]
        if task.ticket_id:
            people.append(task.ticket.owner)
        notify(
            users=[p for p in people if p is not None],
            ticket=task.ticket if task.ticket_id else None,
            kind="callback_unreachable",
            title=_("Callback unreachable: %(name)s") % {"name": task.name or task.phone},
            body=event_texts.callback_unreachable(params),
        )
    else:
        cal = load_calendar(task.plan.calendar_id)
        task.next_attempt_at = add_business_time(cal, now, timedelta(minutes=task.plan.retry_minutes))
    task.save(update_fields=["attempt_count", "state", "completed_at", "completed_by", "next_attempt_at"])
    return task


def clean_answers(task: CallbackTask, raw: dict) -> list[tuple[Question, str, int | None]]:
    """Check each answer against its question; ValidationError names every bad one (q<id>)."""
    errors: dict[str, list[str]] = {}
    cleaned = []
    for question in task.plan.script.questions.all():
        value = str(raw.get(str(question.pk), raw.get(question.pk, "")) or "").strip()
        field = f"q{question.pk}"
        number = None
        if not value:
            if question.required and question.kind != Question.Kind.TEXT:
                errors[field] = [_("Answer “%(q)s”.") % {"q": question.text}]
            continue
        if question.kind == Question.Kind.CHOICE and value not in question.choices:
            errors[field] = [_("Choose one of the answers.")]
        elif question.kind == Question.Kind.SCALE:
            if not value.isdigit() or not 1 <= int(value) <= 5:
                errors[field] = [_("Choose a value from 1 to 5.")]
            else:
                number = int(value)
        elif len(value) > 2000:
            errors[field] = [_("At most %(limit)s characters.") % {"limit": 2000}]
        cleaned.append((question, value, number))
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    return cleaned


def verdict(cleaned) -> tuple[str | None, int | None, bool | None, str]:
    """(score, scale, solved, comment) from the answers whose questions carry a meaning."""
    score = scale = solved = None
    comment = []
    for question, value, number in cleaned:
        if question.role == Question.Role.SOLVED:
            solved = value == (question.choices or [value])[0]
        elif question.role == Question.Role.SATISFACTION:
            if number is not None:
                scale, score = number, score_for_scale(number)
            elif value in question.choices:
                score = THREE[min(question.choices.index(value), 2)]
        elif question.kind == Question.Kind.TEXT and question.role != Question.Role.FEEDBACK:
            comment.append(value)
    if score is None and solved is not None:
        score = Score.SATISFIED if solved else Score.DISSATISFIED
    return score, scale, solved, " ".join(comment)


@transaction.atomic
def callback_complete(
    *, task: CallbackTask, by: User, answers: dict, note: str = "", now: datetime | None = None
) -> CallbackTask:
    """The customer was reached: record the answers per question and the outcome (回访结果).

    The verdict goes through `satisfaction_record`, which closes or reopens the work order. Praise or
    a suggestion (a question marked as feedback) is forwarded to the department concerned.
    Refuses answers that do not fit their questions, naming each, and saves nothing then.
    """
    from kefu.callbacks.services.feedback import feedback_forward

    now = now or timezone.now()
    task = _locked(task, by)
    cleaned = clean_answers(task, answers)
    score, scale, solved, comment = verdict(cleaned)
    Attempt.objects.create(
        task=task, result=Attempt.Result.REACHED, note=(note or "")[:500], by=by, created_at=now
    )
    satisfaction = None
    if task.ticket_id and score is not None:
        already = Satisfaction.objects.filter(ticket=task.ticket, round=task.round).first()
        if already is None:
            satisfaction = satisfaction_record(
                ticket=task.ticket, score=score, source=Satisfaction.Source.CALLBACK, by=by, solved=solved,
                scale=scale, comment=comment, task=task, now=now,
            )  # fmt: skip
        else:
            satisfaction = already
    Answer.objects.bulk_create(
        [Answer(question=q, task=task, satisfaction=satisfaction, value=v, number=n) for q, v, n in cleaned]
    )
    for question, value, _number in cleaned:
        if question.role == Question.Role.FEEDBACK and task.ticket_id:
            feedback_forward(ticket=task.ticket, text=value, satisfaction=satisfaction, now=now)
    task.attempt_count += 1
    task.state = CallbackTask.State.DONE
    task.outcome = score or ""
    task.solved = solved
    task.completed_at, task.completed_by = now, by
    task.save(update_fields=["attempt_count", "state", "outcome", "solved", "completed_at", "completed_by"])
    return task
