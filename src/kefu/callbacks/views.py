"""Callback pages: the team's queue and a task's script (callbacks:queue, :task), the review queue
(:reviews), the weekly listening report (:report), the measures (:measures), praise and suggestions
(:feedback); and the customer's public survey page (survey:answer)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.callbacks import selectors, services
from kefu.callbacks.models import (
    Attempt,
    CallbackTask,
    Factor,
    Feedback,
    Reason,
    Satisfaction,
    Score,
    SurveySettings,
)
from kefu.callbacks.services.feedback import can_reply
from kefu.callbacks.services.reviews import can_review
from kefu.callbacks.services.surveys import LinkExpired
from kefu.callbacks.services.work import can_work
from kefu.core.errors import DomainError, NotFound
from kefu.core.params import query_int


def _lead_required(request):
    if not (request.user.is_lead or request.user.role == "qa"):
        raise DjangoPermissionDenied(_("Supervisors, managers and QA only."))


# --- callback work -------------------------------------------------------------------------------


@login_required
def queue(request):
    """回访队列: open tasks of my callback teams (every team for a lead)."""
    now = timezone.now()
    page = Paginator(selectors.callback_queue(request.user, now=now), 50).get_page(request.GET.get("page"))
    unreachable = CallbackTask.objects.filter(state=CallbackTask.State.UNREACHABLE).select_related("ticket")
    if not request.user.is_lead:
        unreachable = unreachable.filter(plan__team__members=request.user)
    return render(
        request,
        "callbacks/queue.html",
        {"page": page, "now": now, "unreachable": unreachable.order_by("-completed_at")[:20]},
    )


@login_required
def task(request, pk: int):
    """One callback: the customer, the work order's result, the attempts, the script to follow."""
    row = get_object_or_404(
        CallbackTask.objects.select_related("plan__script", "plan__team", "ticket", "contract"), pk=pk
    )
    if not can_work(request.user, row):
        raise DjangoPermissionDenied(_("Only the callback team may work on this task."))
    errors: dict = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "complete":
                answers = {k[1:]: v for k, v in request.POST.items() if k.startswith("q") and k[1:].isdigit()}
                services.callback_complete(
                    task=row, by=request.user, answers=answers, note=request.POST.get("note", "")
                )
                messages.success(request, _("Callback recorded."))
            else:
                services.callback_attempt(
                    task=row,
                    by=request.user,
                    result=request.POST.get("result", ""),
                    note=request.POST.get("note", ""),
                )
                messages.info(request, _("Attempt recorded."))
            return redirect("callbacks:task", pk=row.pk)
        except DomainError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
    return render(
        request,
        "callbacks/task.html",
        {
            "task": row,
            "questions": row.plan.script.questions.all(),
            "attempts": row.attempts.select_related("by"),
            "answers": row.answers.select_related("question"),
            "results": [r for r in Attempt.Result.choices if r[0] != Attempt.Result.REACHED],
            "errors": errors,
            "posted": request.POST,
        },
        status=422 if errors else 200,
    )


# --- reviews, report, measures -------------------------------------------------------------------


@login_required
def reviews(request):
    """不满意复核: every "not satisfied" contact waiting for its reasons."""
    _lead_required(request)
    if request.method == "POST":
        satisfaction = get_object_or_404(Satisfaction, pk=request.POST.get("satisfaction", 0) or 0)
        try:
            services.review_record(
                satisfaction=satisfaction,
                by=request.user,
                reason_ids=[int(i) for i in request.POST.getlist("reason") if i.isdigit()],
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Review recorded."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("callbacks:reviews")
    page = Paginator(selectors.review_queue(), 30).get_page(request.GET.get("page"))
    active = Reason.objects.filter(is_active=True)
    return render(
        request,
        "callbacks/reviews.html",
        {
            "page": page,
            "agent_reasons": active.filter(factor=Factor.AGENT),
            "other_reasons": active.filter(factor=Factor.OTHER),
            "can_review": can_review(request.user),
        },
    )


@login_required
def report(request):
    """每周听音报告 for ?week=2026-W48 (default: last week); ?format=xlsx downloads it."""
    _lead_required(request)
    text = request.GET.get("week", "")
    try:
        year, week = selectors.parse_week(text)
    except ValueError:
        if text:
            messages.error(request, _("Give the week as 2026-W48."))
        y, w, _d = (timezone.localdate() - timedelta(days=7)).isocalendar()
        year, week = y, w
    data = selectors.weekly_report(year=year, week=week)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            selectors.weekly_report_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="listening-{data.label}.xlsx"'
        return response
    return render(request, "callbacks/report.html", {"report": data})


@login_required
def measures(request):
    """回访与满意度指标 over the last ?days= (default 30)."""
    _lead_required(request)
    days = min(query_int(request.GET, "days", 30), 366)
    end = timezone.now()
    start = end - timedelta(days=days)
    return render(
        request,
        "callbacks/measures.html",
        {
            "days": days,
            "callbacks": selectors.callback_measures(start=start, end=end),
            "tables": [
                (dim, selectors.satisfaction_rates(start=start, end=end, by=dim))
                for dim in selectors.DIMENSIONS
            ],
        },
    )


@login_required
def feedback(request):
    """表扬与建议 forwarded to my department (every department for a lead); the reply is archived."""
    rows = Feedback.objects.select_related("ticket", "department", "replied_by")
    if not request.user.is_lead:
        rows = rows.filter(department_id=request.user.department_id)
    if request.method == "POST":
        row = get_object_or_404(rows, pk=request.POST.get("feedback", 0) or 0)
        try:
            services.feedback_reply(
                feedback=row,
                by=request.user,
                reply=request.POST.get("reply", ""),
                send_to_customer=request.POST.get("send_to_customer") == "1",
            )
            messages.success(request, _("Reply archived."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("callbacks:feedback")
    page = Paginator(rows.order_by("-created_at"), 30).get_page(request.GET.get("page"))
    page.rows = list(page.object_list)
    for row in page.rows:
        row.may_reply = row.replied_at is None and can_reply(request.user, row)
    return render(request, "callbacks/feedback.html", {"page": page})


# --- the customer's survey -----------------------------------------------------------------------


def survey(request, token: str):
    """The public survey page (满意度调查), phone-first, in the customer's language."""
    try:
        ticket, round_ = services.survey_open(token)
    except LinkExpired as exc:
        return render(request, "callbacks/survey_gone.html", {"message": exc.message}, status=410)
    except NotFound as exc:
        return render(request, "callbacks/survey_gone.html", {"message": exc.message}, status=404)
    config = SurveySettings.load()
    answered = Satisfaction.objects.filter(ticket=ticket, round=round_).first()
    error = ""
    if request.method == "POST" and answered is None:
        try:
            answered = services.survey_answer(
                token=token,
                score=request.POST.get("score", ""),
                scale=request.POST.get("scale") or None,
                comment=request.POST.get("comment", ""),
            )
            return redirect("survey:answer", token=token)
        except LinkExpired as exc:
            return render(request, "callbacks/survey_gone.html", {"message": exc.message}, status=410)
        except DomainError as exc:
            error = exc.message.split(": ", 1)[-1]
    return render(
        request,
        "callbacks/survey.html",
        {
            "ticket": ticket,
            "answered": answered,
            "error": error,
            "five": config.scale == SurveySettings.ScaleKind.FIVE,
            "scores": Score.choices,
            "posted": request.POST,
        },
        status=422 if error else 200,
    )
