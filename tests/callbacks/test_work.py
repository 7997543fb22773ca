"""Callback work: attempts, the retry schedule, unreachable closure, answers per question."""

from datetime import timedelta

import pytest

from kefu.callbacks.models import Answer, Attempt, CallbackTask, Feedback, Question
from kefu.callbacks.services import callback_attempt, callback_complete, callback_plan_generate
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.notify.models import Notification
from kefu.tickets.models import Status, TicketEvent
from tests.callbacks.conftest import resolved_complaint
from tests.factories import aware
from tests.tickets.helpers import MONDAY_9, perform


def open_task(org, **fields):
    ticket = resolved_complaint(org, **fields)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    return CallbackTask.objects.get(ticket=ticket)


def answers_for(task, solved="已解决", satisfied="满意", better="", praise=""):
    q = {x.role or x.text: x for x in task.plan.script.questions.all()}
    return {
        str(q["solved"].pk): solved,
        str(q["satisfaction"].pk): satisfied,
        str(q["您觉得我们哪里还可以做得更好？"].pk): better,
        str(q["feedback"].pk): praise,
    }


def test_no_answer_schedules_the_retry_on_working_time(org):
    task = open_task(org)
    friday_17_30 = aware(2026, 11, 27, 17, 30)
    task = callback_attempt(task=task, by=org.caller, result="no_answer", now=friday_17_30)
    assert task.state == CallbackTask.State.OPEN
    assert task.next_attempt_at == aware(2026, 11, 30, 10, 30)  # 30 min Friday, 90 min Monday


def test_last_failed_attempt_closes_the_task_as_unreachable_visibly(org):
    task = open_task(org)
    for result in ("no_answer", "busy", "no_answer"):
        task = callback_attempt(task=task, by=org.caller, result=result, now=MONDAY_9)
    assert task.state == CallbackTask.State.UNREACHABLE
    assert task.attempts.count() == 3
    assert TicketEvent.objects.filter(ticket=task.ticket, data__result="unreachable").exists()
    assert Notification.objects.filter(user=org.agent, kind="callback_unreachable").exists()
    with pytest.raises(ValidationError):
        callback_attempt(task=task, by=org.caller, result="busy", now=MONDAY_9)


def test_wrong_number_is_unreachable_at_once(org):
    task = callback_attempt(task=open_task(org), by=org.caller, result="wrong_number", now=MONDAY_9)
    assert task.state == CallbackTask.State.UNREACHABLE


def test_only_the_callback_team_works_on_its_tasks(org):
    with pytest.raises(PermissionDenied):
        callback_attempt(task=open_task(org), by=org.agent, result="busy", now=MONDAY_9)


def test_reached_and_satisfied_records_each_answer_and_closes_the_work_order(org):
    task = open_task(org)
    task = callback_complete(task=task, by=org.caller, answers=answers_for(task), now=MONDAY_9)
    assert (task.state, task.outcome, task.solved) == (CallbackTask.State.DONE, "satisfied", True)
    assert Answer.objects.filter(task=task).count() == 2  # the empty free texts are not stored
    assert task.attempts.get().result == Attempt.Result.REACHED
    task.ticket.refresh_from_db()
    assert task.ticket.status == Status.CLOSED


def test_not_solved_on_the_callback_reopens_the_work_order(org):
    task = open_task(org)
    callback_complete(task=task, by=org.caller, answers=answers_for(task, solved="未解决"), now=MONDAY_9)
    task.ticket.refresh_from_db()
    assert task.ticket.status == Status.IN_PROGRESS
    assert CallbackTask.objects.filter(ticket=task.ticket, period="r1").exists()


def test_followup_callback_after_the_fix_closes_the_work_order(org):
    task = open_task(org)
    callback_complete(task=task, by=org.caller, answers=answers_for(task, satisfied="不满意"), now=MONDAY_9)
    perform(org, task.ticket, "resolve", now=MONDAY_9 + timedelta(hours=1))
    callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(hours=1))
    followup = CallbackTask.objects.get(ticket=task.ticket, period="r1", state="open")
    callback_complete(
        task=followup, by=org.caller, answers=answers_for(followup), now=MONDAY_9 + timedelta(hours=2)
    )
    task.ticket.refresh_from_db()
    assert task.ticket.status == Status.CLOSED


def test_answers_that_do_not_fit_are_refused_by_question_and_nothing_saved(org):
    task = open_task(org)
    answers = answers_for(task, satisfied="非常好")
    q = task.plan.script.questions.get(role=Question.Role.SATISFACTION)
    with pytest.raises(ValidationError) as exc:
        callback_complete(task=task, by=org.caller, answers=answers, now=MONDAY_9)
    assert list(exc.value.errors) == [f"q{q.pk}"]
    assert not Attempt.objects.exists() and not Answer.objects.exists()


def test_praise_is_forwarded_to_the_department_concerned(org):
    task = open_task(org, subject_department_id=None)
    task.ticket.subject_department = org.logistics
    task.ticket.save(update_fields=["subject_department"])
    callback_complete(
        task=task, by=org.caller, answers=answers_for(task, praise="感谢快递小哥"), now=MONDAY_9
    )
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.department) == ("praise", org.logistics)
    assert Notification.objects.filter(user=org.logistics_head, kind="feedback").exists()


def test_department_reply_to_praise_is_archived_on_the_timeline(org):
    from kefu.callbacks.services import feedback_reply

    task = open_task(org)
    task.ticket.subject_department = org.logistics
    task.ticket.save(update_fields=["subject_department"])
    callback_complete(
        task=task, by=org.caller, answers=answers_for(task, praise="建议增加晚间配送"), now=MONDAY_9
    )
    row = Feedback.objects.get()
    assert row.kind == "suggestion"
    with pytest.raises(PermissionDenied):
        feedback_reply(feedback=row, by=org.store_staff, reply="好的")
    feedback_reply(feedback=row, by=org.logistics_staff, reply="下月起增加晚间班次", now=MONDAY_9)
    row.refresh_from_db()
    assert row.reply == "下月起增加晚间班次" and row.replied_by == org.logistics_staff
    assert TicketEvent.objects.filter(ticket=task.ticket, data__feedback=row.pk).exists()


def test_department_reply_sent_to_the_customer_when_asked(org):
    from kefu.callbacks.services import feedback_reply
    from kefu.tickets.models import Message

    task = open_task(org)
    task.ticket.subject_department = org.logistics
    task.ticket.save(update_fields=["subject_department"])
    callback_complete(
        task=task, by=org.caller, answers=answers_for(task, praise="建议增加晚间配送"), now=MONDAY_9
    )
    row = Feedback.objects.get()
    feedback_reply(
        feedback=row, by=org.logistics_staff, reply="下月起增加晚间班次", send_to_customer=True, now=MONDAY_9
    )
    message = Message.objects.get(ticket=task.ticket, direction=Message.Direction.OUTBOUND)
    assert "下月起增加晚间班次" in message.body_text and org.logistics.name in message.body_text
    assert (message.channel, message.address) == ("sms", task.ticket.customer_phone)


def test_department_reply_stays_archived_only_unless_asked(org):
    from kefu.callbacks.services import feedback_reply
    from kefu.tickets.models import Message

    task = open_task(org)
    task.ticket.subject_department = org.logistics
    task.ticket.save(update_fields=["subject_department"])
    callback_complete(
        task=task, by=org.caller, answers=answers_for(task, praise="建议增加晚间配送"), now=MONDAY_9
    )
    feedback_reply(feedback=Feedback.objects.get(), by=org.logistics_staff, reply="好的", now=MONDAY_9)
    assert not Message.objects.filter(ticket=task.ticket, direction=Message.Direction.OUTBOUND).exists()
