"""Reads shared by pages, the API and other apps: visible articles, briefings, synonyms, scripts."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from kefu.accounts.models import AgentGroup
from kefu.knowledge import cache, permissions
from kefu.knowledge.models import Acknowledgement, Article, Audience, Script, Synonym


def articles_visible_to(user) -> QuerySet:
    """Live articles `user` may read: all of them for staff, the public ones for anyone else."""
    qs = Article.objects.filter(is_archived=False).select_related("category", "owner")
    if not permissions.can_read_internal(user):
        qs = qs.filter(audience=Audience.PUBLIC)
    return qs


def public_articles() -> QuerySet:
    """The customer portal's FAQ: public, live articles only."""
    return Article.objects.filter(is_archived=False, audience=Audience.PUBLIC).select_related("category")


def _load_synonyms() -> tuple[tuple[str, ...], ...]:
    groups = []
    for row in Synonym.objects.order_by("pk"):
        words = tuple(row.word_list())
        if len(words) >= 2:
            groups.append(words)
    return tuple(groups)


def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The synonym table as core.search wants it, rebuilt when a manager changes it."""
    return cache.versioned("synonyms", _load_synonyms)


def briefed_staff() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, role__in=permissions.BRIEFED_ROLES)


def unread_by(article: Article) -> QuerySet:
    """Staff expected to read the must-read `article` who have not acknowledged it yet."""
    read = Acknowledgement.objects.filter(article=article).values("user_id")
    return briefed_staff().exclude(pk__in=read).order_by("username")


def unread_briefings(user) -> QuerySet:
    """Must-read articles `user` has not acknowledged."""
    return articles_visible_to(user).filter(must_read=True).exclude(acknowledgements__user=user)


def scripts_for(user) -> QuerySet:
    """Active scripts `user` may insert: the center's, their teams' and their own."""
    center = Q(owner__isnull=True, group__isnull=True)
    if not permissions.can_read_internal(user):
        return Script.objects.none()
    groups = AgentGroup.objects.filter(members=user)
    return Script.objects.filter(is_active=True).filter(center | Q(group__in=groups) | Q(owner=user))
