"""Reads of quality inspection that more than one caller needs: which rubric scores a conversation,
the current version of a rubric, and the inspections a person may see (always through
kefu.quality.permissions.scope_filter)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound
from kefu.quality.models import Finding, Inspection, Rubric, RubricItem, RubricVersion, Rule, Transcript
from kefu.quality.permissions import can_view, in_scope, is_inspector, is_lead, scope_filter


def current_version(rubric: Rubric) -> RubricVersion | None:
    """The published version of `rubric` (at most one is published at a time), or None."""
    return rubric.versions.filter(state=RubricVersion.State.PUBLISHED).order_by("-number").first()


def routing() -> list[tuple[Rubric, RubricVersion]]:
    """Every active rubric in service (it has a published version), with that version, in order of
    `position`. Read once per batch: rubrics are few."""
    versions = {
        v.rubric_id: v
        for v in RubricVersion.objects.filter(state=RubricVersion.State.PUBLISHED, rubric__is_active=True)
    }
    return [(r, versions[r.pk]) for r in Rubric.objects.filter(is_active=True) if r.pk in versions]


def pick_rubric(
    routes: list[tuple[Rubric, RubricVersion]], *, channel: str, queue: str
) -> tuple[Rubric, RubricVersion] | None:
    """The rubric (and its version) among `routes` that scores a conversation of `channel` and `queue`:
    a rubric listing the channel and this very queue wins over one listing the channel for every
    queue (empty `queues`); a rubric listing other queues only does not fit. Ties go by `position`,
    then name (the order of `routes`)."""
    specific = general = None
    for rubric, version in routes:
        if channel not in (rubric.channels or []):
            continue
        if rubric.queues:
            if queue in rubric.queues and specific is None:
                specific = (rubric, version)
        elif general is None:
            general = (rubric, version)
    return specific or general


def rubric_for(channel: str, queue: str = "") -> Rubric | None:
    """The rubric that scores a conversation of `channel` and `queue` (see pick_rubric); only rubrics
    in service (active, with a published version) are considered."""
    picked = pick_rubric(routing(), channel=channel, queue=queue or "")
    return picked[0] if picked else None


def rubric_detail(rubric_id: int) -> Rubric:
    """A rubric with its versions, their items and rules, in two queries more; NotFound otherwise."""
    rubric = (
        Rubric.objects.filter(pk=rubric_id)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=RubricVersion.objects.order_by("-number").prefetch_related(
                    Prefetch("items", queryset=RubricItem.objects.order_by("position", "pk")),
                    Prefetch("rules", queryset=Rule.objects.order_by("pk")),
                ),
            )
        )
        .first()
    )
    if rubric is None:
        raise NotFound(_("Not found."))
    return rubric


@dataclass(frozen=True)
class InspectionFilters:
    agent: int | None = None
    queue: str = ""
    channel: str = ""
    start: datetime | None = None  # conversation_at ≥ start
    end: datetime | None = None  # conversation_at < end
    state: str = ""
    min_score: Decimal | None = None  # the score that counts (final, else automatic)
    max_score: Decimal | None = None
    rubric: int | None = None
    include_superseded: bool = False


def inspections_visible_to(user, filters: InspectionFilters | None = None) -> QuerySet[Inspection]:
    """The inspections `user` may see (agent: their own; inspector: their queues; leads: all), newest
    conversation first, narrowed by `filters`; `score` is annotated (final score, else automatic)."""
    f = filters or InspectionFilters()
    qs = (
        Inspection.objects.filter(scope_filter(user))
        .select_related("agent", "version__rubric", "transcript")
        .annotate(score_value=Coalesce("final_score", "auto_score", output_field=DecimalField()))
    )
    if not f.include_superseded:
        qs = qs.filter(superseded=False)
    if f.agent:
        qs = qs.filter(agent_id=f.agent)
    if f.queue:
        qs = qs.filter(queue=f.queue)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.start:
        qs = qs.filter(conversation_at__gte=f.start)
    if f.end:
        qs = qs.filter(conversation_at__lt=f.end)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.min_score is not None:
        qs = qs.filter(score_value__gte=f.min_score)
    if f.max_score is not None:
        qs = qs.filter(score_value__lte=f.max_score)
    if f.rubric:
        qs = qs.filter(version__rubric_id=f.rubric)
    return qs.order_by("-conversation_at", "-pk")


def inspection_for(user, inspection_id: int) -> Inspection:
    """One inspection with its findings, if `user` may see it; NotFound otherwise (an inspection
    outside one's scope is not told apart from a missing one)."""
    inspection = (
        Inspection.objects.select_related("agent", "version__rubric", "transcript")
        .prefetch_related(
            Prefetch(
                "findings", queryset=Finding.objects.select_related("item", "rule").order_by("sentence", "pk")
            )
        )
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None or not can_view(user, inspection):
        raise NotFound(_("Not found."))
    return inspection


def transcript_for(user, transcript_id: int) -> Transcript:
    """A transcript `user` may read to try rules on: leads any, an inspector those of their scope."""
    transcript = Transcript.objects.filter(pk=transcript_id).first()
    if transcript is None:
        raise NotFound(_("Not found."))
    if is_lead(user):
        return transcript
    if is_inspector(user) and in_scope(user, channel=transcript.channel, queue=transcript.queue):
        return transcript
    raise NotFound(_("Not found."))
