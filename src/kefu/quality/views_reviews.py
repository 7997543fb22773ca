"""Review and appeal pages under /quality/: the review queue (quality:reviews), one review
(quality:review), the agent's own results with the appeal form (quality:mine) and the appeals to
decide (quality:appeals). Thin: each POST calls one service; refusals become messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError, NotFound
from kefu.quality import permissions, workflow
from kefu.quality import review_selectors as selectors
from kefu.quality.models import Appeal, Channel, Finding, Role, RubricItem, SamplingPlan
from kefu.quality.services import reviews, sampling


def _reviewer_required(user) -> None:
    if not (permissions.is_lead(user) or permissions.is_inspector(user)):
        raise DjangoPermissionDenied(_("Supervisors, managers and QA inspectors only."))


def _sentences(inspection, findings) -> list[dict]:
    by_sentence: dict[int, list] = {}
    for finding in findings:  # a finding shows in every sentence of its evidence
        for n in finding.sentences or ([finding.sentence] if finding.sentence is not None else []):
            by_sentence.setdefault(n, []).append(finding)
    return [
        {
            "index": i,
            "role": (s or {}).get("role", ""),
            "speaker": (s or {}).get("speaker", "")
            or (Role((s or {}).get("role")).label if (s or {}).get("role") in Role.values else ""),
            "text": (s or {}).get("text", ""),
            "findings": by_sentence.get(i, []),
        }
        for i, s in enumerate(inspection.transcript.sentences or [])
    ]


@login_required
def review_queue(request):
    """复核队列: what the inspector may claim or is reviewing."""
    _reviewer_required(request.user)
    page = Paginator(selectors.review_queue(request.user), 50).get_page(request.GET.get("page"))
    for inspection in page.object_list:
        inspection.channel_label = selectors.channel_label(inspection.channel)
    return render(request, "quality/review_queue.html", {"page": page})


@login_required
def review(request, pk: int):
    """One inspection's review: the dialogue with its findings, the verdict on each, manual
    findings, the final score; and the timeline."""
    try:
        inspection = selectors.inspection_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "claim":
                reviews.review_claim(inspection=inspection, by=request.user)
                messages.success(request, _("Claimed: the inspection is yours to review."))
            elif action == "release":
                reviews.review_release(
                    inspection=inspection, by=request.user, comment=request.POST.get("comment", "")
                )
                messages.info(request, _("Released back to the queue."))
                return redirect("quality:reviews")
            elif action in ("confirm", "reject"):
                reviews.finding_review(
                    inspection=inspection,
                    finding_id=request.POST.get("finding", ""),
                    by=request.user,
                    confirm=action == "confirm",
                    comment=request.POST.get("comment", ""),
                )
                messages.success(
                    request, _("Finding confirmed.") if action == "confirm" else _("Finding rejected.")
                )
            elif action == "add":
                reviews.finding_add(
                    inspection=inspection,
                    by=request.user,
                    item_id=request.POST.get("item", ""),
                    sentence=request.POST.get("sentence", "") or None,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Finding added."))
            elif action == "submit":
                done = reviews.review_submit(
                    inspection=inspection, by=request.user, comment=request.POST.get("comment", "")
                )
                messages.success(
                    request, _("Review submitted: final score %(score)s.") % {"score": done.final_score}
                )
            else:
                messages.error(request, _("Unknown action."))
            return redirect("quality:review", pk=inspection.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            inspection = selectors.inspection_for(request.user, pk)
    findings = selectors.findings_of(inspection)
    user = request.user
    return render(
        request,
        "quality/review.html",
        {
            "inspection": inspection,
            "sentences": _sentences(inspection, findings),
            "findings": findings,
            "events": selectors.timeline_of(inspection),
            "items": RubricItem.objects.filter(version_id=inspection.version_id).order_by("position", "pk"),
            "may_claim": workflow.allows(inspection, "claim", user),
            "may_release": workflow.allows(inspection, "release", user),
            "may_judge": workflow.allows(inspection, "confirm_finding", user),
            "may_submit": workflow.allows(inspection, "submit", user),
            "pending": Finding.Status.PENDING,
            "appeal": Appeal.objects.filter(inspection=inspection).select_related("decided_by").first(),
        },
    )


@login_required
def mine(request):
    """我的质检结果: the agent's reviewed inspections, each with its findings and, while the window
    is open, the appeal form (a reason overall and per finding)."""
    now = timezone.now()
    if request.method == "POST":
        try:
            inspection = selectors.inspection_for(request.user, request.POST.get("inspection", ""))
            reasons = {
                key.removeprefix("reason_"): value
                for key, value in request.POST.items()
                if key.startswith("reason_") and value.strip()
            }
            reviews.appeal_file(
                inspection=inspection, by=request.user, reason=request.POST.get("reason", ""), reasons=reasons
            )
            messages.success(request, _("Appeal sent: a second reviewer will decide."))
            return redirect("quality:mine")
        except DomainError as exc:
            messages.error(request, exc.message)
    page = Paginator(selectors.my_results(request.user), 20).get_page(request.GET.get("page"))
    rows = [
        {
            "inspection": i,
            "findings": selectors.findings_of(i),
            "may_appeal": workflow.allows(i, "appeal", request.user, now=now),
            "deadline": workflow.appeal_deadline(i),
            "appeal": getattr(i, "appeal", None) if hasattr(i, "appeal") else None,
        }
        for i in page.object_list
    ]
    return render(request, "quality/mine.html", {"page": page, "rows": rows})


@login_required
def appeals(request):
    """申诉待裁定: appeals the person may decide, each with the findings that count."""
    _reviewer_required(request.user)
    if request.method == "POST":
        try:
            inspection = selectors.inspection_for(request.user, request.POST.get("inspection", ""))
            reviews.appeal_decide(
                inspection=inspection,
                by=request.user,
                outcome=request.POST.get("outcome", ""),
                comment=request.POST.get("comment", ""),
                reject_finding_ids=request.POST.getlist("reject"),
            )
            messages.success(request, _("Appeal decided."))
            return redirect("quality:appeals")
        except DomainError as exc:
            messages.error(request, exc.message)
    rows = [
        {"inspection": i, "appeal": i.appeal, "findings": selectors.findings_of(i)}
        for i in selectors.appeals_to_decide(request.user)
    ]
    return render(request, "quality/appeals.html", {"rows": rows, "outcomes": Appeal.Outcome.choices})


@login_required
def sampling_plans(request):
    """抽检计划: the plans (leads and QA inspectors keep them), a form to add or change one, and
    "run now" (the same service the periodic task calls)."""
    if not permissions.can_manage_rubrics(request.user):
        raise DjangoPermissionDenied(_("Supervisors, managers and QA inspectors only."))
    errors: dict = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "run":
                picked = sum(sampling.sampling_plans_run().values())
                messages.success(request, _("%(count)d inspections picked for review.") % {"count": picked})
            else:
                plan_id = request.POST.get("plan", "")
                plan = SamplingPlan.objects.filter(pk=plan_id).first() if plan_id.isdigit() else None
                sampling.sampling_plan_save(
                    by=request.user,
                    plan=plan,
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", ""),
                    channels=request.POST.getlist("channels"),
                    queues=[q for q in request.POST.get("queues", "").replace("，", ",").split(",")],
                    count=request.POST.get("count", "") or 0,
                    percent=request.POST.get("percent", "") or 0,
                    is_active=bool(request.POST.get("is_active")),
                )
                messages.success(request, _("Sampling plan saved."))
            return redirect("quality:sampling")
        except DomainError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
    plans = list(SamplingPlan.objects.order_by("name"))
    for plan in plans:
        plan.channel_labels = [selectors.channel_label(c) for c in plan.channels]
    return render(
        request,
        "quality/sampling.html",
        {
            "plans": plans,
            "kinds": SamplingPlan.Kind.choices,
            "channels": Channel.choices,
            "errors": errors,
            "posted": request.POST,
        },
        status=422 if errors else 200,
    )
