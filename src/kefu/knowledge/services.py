"""Writes of the knowledge base: articles and their versions, read receipts, synonyms, scripts.

Each service takes who acts (`by`) and an injectable `now`, runs in one transaction and refuses with
a domain error (kefu.core.errors) naming the field.
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound, PermissionDenied, ValidationError
from kefu.core.html import sanitize, to_text
from kefu.core.uploads import check_upload
from kefu.knowledge import cache, permissions
from kefu.knowledge.models import (
    Acknowledgement,
    Article,
    ArticleAttachment,
    ArticleVersion,
    Audience,
    Category,
    Script,
    Stage,
    Synonym,
)
from kefu.knowledge.search import article_document
from kefu.notify.templating import render, template_errors

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _require_editor(by) -> None:
    if not permissions.can_edit(by):
        raise PermissionDenied(_("Only supervisors and managers may change the knowledge base."))


def _clean_article(title: str, body_html: str, audience: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationError.for_field("title", _("An article needs a title."))
    if len(title) > 200:
        raise ValidationError.for_field("title", _("At most 200 characters."))
    if audience not in Audience.values:
        raise ValidationError.for_field("audience", _("Choose internal or public."))
    html = sanitize(body_html or "")
    return title, html, to_text(html)


def _record_version(article: Article, *, by, now: datetime, note: str = "") -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body_html=article.body_html,
        body_text=article.body_text, note=note[:200], edited_by=by, created_at=now,
    )  # fmt: skip


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None, by) -> Category:
    """Add a node to the category tree; refuses a blank or duplicate name under the same parent."""
    _require_editor(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError.for_field("name", _("A category needs a name."))
    if Category.objects.filter(parent=parent, name=name).exists():
        raise ValidationError.for_field("name", _("This category already exists here."))
    return Category.objects.create(name=name, parent=parent)


@transaction.atomic
def article_create(
    *, title: str, body_html: str = "", by, category: Category | None = None, audience: str = Audience.INTERNAL,
    owner=None, review_on: date | None = None, must_read: bool = False, now: datetime | None = None,
) -> Article:  # fmt: skip
    """Write a new article (version 1); the HTML is sanitized and the search index follows."""
    _require_editor(by)
    now = now or timezone.now()
    title, html, text = _clean_article(title, body_html, audience)
    article = Article(
        title=title, body_html=html, body_text=text, category=category, audience=audience,
        owner=owner or by, review_on=review_on, must_read=must_read, version=1,
    )  # fmt: skip
    article.search_text = article_document(article)
    article.save()
    _record_version(article, by=by, now=now, note=_("created"))
    return article


@transaction.atomic
def article_update(
    *, article: Article, by, title: str, body_html: str, category: Category | None = None,
    audience: str | None = None, owner=None, review_on: date | None = None, must_read: bool | None = None,
    note: str = "", expected_version: int | None = None, now: datetime | None = None,
) -> Article:  # fmt: skip
    """Save an edit. A change of title or text becomes a new version; settings alone (audience, owner,
    review date, must read) do not. Refuses a stale edit (`expected_version` no longer current)."""
    _require_editor(by)
    now = now or timezone.now()
    # Two editors may save the same article at once: the row lock orders them, the version check
    # refuses the second one instead of silently dropping the first one's text.
    article = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and expected_version != article.version:
        from kefu.core.errors import StaleVersion

        raise StaleVersion(_("Someone saved this article after you opened it; reload and edit again."))
    title, html, text = _clean_article(title, body_html, audience or article.audience)
    changed_text = title != article.title or html != article.body_html
    article.title, article.body_html, article.body_text = title, html, text
    article.category = category
    if audience is not None:
        article.audience = audience
    if owner is not None:
        article.owner = owner
    article.review_on = review_on
    if must_read is not None:
        article.must_read = must_read
    if changed_text:
        article.version += 1
    article.search_text = article_document(article)
    article.save()
    if changed_text:
        _record_version(article, by=by, now=now, note=note)
    return article


@transaction.atomic
def article_rollback(*, article: Article, number: int, by, now: datetime | None = None) -> Article:
    """Bring back the title and text of version `number` as a new version (history is never lost)."""
    _require_editor(by)
    old = ArticleVersion.objects.filter(article=article, number=number).first()
    if old is None:
        raise NotFound(_("Version %(n)s of this article does not exist.") % {"n": number})
    return article_update(
        article=article, by=by, title=old.title, body_html=old.body_html, category=article.category,
        review_on=article.review_on, note=_("rolled back to version %(n)s") % {"n": number}, now=now,
    )  # fmt: skip


@transaction.atomic
def article_archive(*, article: Article, by) -> Article:
    _require_editor(by)
    article.is_archived = True
    article.save(update_fields=["is_archived", "updated_at"])
    return article


@transaction.atomic
def article_acknowledge(*, article: Article, by, now: datetime | None = None) -> Acknowledgement:
    """Record that `by` read the must-read `article` (idempotent: the first receipt stays)."""
    if not permissions.can_read_internal(by):
        raise PermissionDenied(_("Sign in to acknowledge a briefing."))
    if not article.must_read:
        raise ValidationError.for_field("article", _("This article is not a must-read briefing."))
    receipt, _created = Acknowledgement.objects.get_or_create(
        article=article,
        user=by,
        defaults={"version": article.version, "acknowledged_at": now or timezone.now()},
    )
    return receipt


@transaction.atomic
def attachment_add(*, article: Article, upload, by) -> ArticleAttachment:
    """Attach a file to an article; refuses files over MAX_ATTACHMENT_BYTES and kinds core/uploads.py refuses."""
    _require_editor(by)
    if upload is None:
        raise ValidationError.for_field("file", _("Choose a file."))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError.for_field("file", _("A file may be at most 20 MB."))
    check_upload(upload, "file")
    return ArticleAttachment.objects.create(
        article=article, file=upload, name=upload.name[:200], uploaded_by=by
    )


@transaction.atomic
def synonym_save(*, words: str, by, synonym: Synonym | None = None) -> Synonym:
    """Create or change a synonym group (two or more words); searches use it at once."""
    _require_editor(by)
    row = synonym or Synonym()
    row.words = " ".join((words or "").replace(",", " ").replace("，", " ").split())
    if len(row.word_list()) < 2:
        raise ValidationError.for_field("words", _("Give two or more words separated by spaces."))
    row.save()
    cache.bump_on_commit("synonyms")
    return row


@transaction.atomic
def synonym_delete(*, synonym: Synonym, by) -> None:
    _require_editor(by)
    synonym.delete()
    cache.bump_on_commit("synonyms")


# --- scripts (话术) -----------------------------------------------------------------------------


def _clean_script_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError.for_field("text", _("A script needs its text."))
    errors = template_errors(text)
    if errors:
        raise ValidationError("text: " + " ".join(errors), errors={"text": errors})
    return text


@transaction.atomic
def script_create(
    *, title: str, text: str, by, stage: str = Stage.GREETING, personal: bool = False, group=None
) -> Script:
    """Add a script to the center's set (editors), a team set (editors) or `by`'s personal set (anyone)."""
    if stage not in Stage.values:
        raise ValidationError.for_field("stage", _("Unknown stage."))
    if not personal:
        _require_editor(by)
    elif not permissions.can_read_internal(by):
        raise PermissionDenied(_("Sign in to keep personal scripts."))
    title = (title or "").strip()[:100]
    if not title:
        raise ValidationError.for_field("title", _("A script needs a title."))
    return Script.objects.create(
        title=title, text=_clean_script_text(text), stage=stage, owner=by if personal else None,
        group=None if personal else group,
    )  # fmt: skip


def script_values(*, ticket=None, by=None) -> dict:
    """The variables for a script: from the work order when there is one, else the agent's number."""
    if ticket is not None:
        from kefu.notify.notices import notice_values

        values = notice_values(ticket, by=by)
    else:
        values = {"customer_name": _("customer")}
    if by is not None:
        values["agent_no"] = getattr(by, "employee_no", "") or by.username
    return values


@transaction.atomic
def script_use(*, script: Script, by, ticket=None) -> str:
    """The script's text with its variables filled for `ticket`, counted as one use."""
    from kefu.knowledge.selectors import scripts_for

    if not scripts_for(by).filter(pk=script.pk).exists():
        raise PermissionDenied(_("This script is not in your sets."))
    if ticket is not None:
        from kefu.tickets import permissions as ticket_permissions

        if not ticket_permissions.can_view(by, ticket):
            raise PermissionDenied(_("You may not see this work order."))
    Script.objects.filter(pk=script.pk).update(usage_count=F("usage_count") + 1)
    return render(script.text, script_values(ticket=ticket, by=by))
