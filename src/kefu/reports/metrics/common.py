"""What the families of work orders, surveys, callbacks, chats and quality share: the period's
half-open range on a family's time field, and the scope's filters on the family's own fields."""

from collections.abc import Mapping

from django.db.models import Q, QuerySet

from kefu.accounts.models import AgentGroup
from kefu.reports.metrics.base import Period, Scope


def members_of(groups) -> QuerySet:
    """The ids of the users in agent groups `groups` (a subquery: no duplicate rows for an agent in
    two of them)."""
    return AgentGroup.members.through.objects.filter(agentgroup_id__in=groups).values("user_id")


def in_period(qs: QuerySet, field: str, period: Period) -> QuerySet:
    """The records whose `field` lies in [period.start, period.end)."""
    return qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def scoped(qs: QuerySet, scope: Scope, filters: Mapping[str, str]) -> QuerySet:
    """`qs` narrowed by each filter of `scope` the family has a field for (`filters`: dimension →
    field path). A group given by its members ("agent_id" of the groups' members) is written
    `"@agent_id"`, so an agent in two of the chosen groups is not counted twice."""
    condition = Q()
    for dimension, values in scope.items():
        path = filters.get(dimension)
        if path is None:
            continue  # the family has no such field (a survey has no queue): see Family.dimensions
        if path.startswith("@"):
            condition &= Q(**{f"{path[1:]}__in": members_of(values)})
        else:
            condition &= Q(**{f"{path}__in": values})
    return qs.filter(condition)
