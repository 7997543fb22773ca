"""Writes of the knowledge base: articles and their versions, read receipts, synonyms, scripts.

Each service takes who acts (`by`) and an injectable `now`, runs in one transaction and refuses with
a domain error (kefu.core.errors) naming the field.
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.core.errors import NotFound, PermissionDenied, ValidationError
from kefu.core.html import markdown_to_html, sanitize, to_text
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
from kefu.tickets.models import TicketType

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _require_editor(by) -> None:
    if not permissions.can_edit(by):
        raise PermissionDenied(_("Only supervisors and managers may change the knowledge base."))


def _clean_article(
    title: str, body_html: str, audience: str, body_markdown: str | None = None
) -> tuple[str, str, str, str]:
    """(title, html, text, markdown): the HTML made from the Markdown when there is Markdown (the
    editor's way), else the given HTML sanitized (an article from before the editor, or an import)."""
    title = (title or "").strip()
    if not title:
        raise ValidationError.for_field("title", _("An article needs a title."))
    if len(title) > 200:
        raise ValidationError.for_field("title", _("At most 200 characters."))
    if audience not in Audience.values:
        raise ValidationError.for_field("audience", _("Choose internal or public."))
    if body_markdown is not None:
        markdown = body_markdown.replace("\r\n", "\n").strip()
        html = markdown_to_html(markdown)
    else:
        markdown, html = "", sanitize(body_html or "")
    return title, html, to_text(html), markdown


def clean_keywords(keywords: str) -> str:
    """Keywords as one space-separated, de-duplicated line (commas of either width separate too)."""
    words = (keywords or "").replace(",", " ").replace("，", " ").replace("、", " ").split()
    line = " ".join(dict.fromkeys(words))
    if len(line) > 300:
        raise ValidationError.for_field("keywords", _("At most 300 characters."))
    return line


def _record_version(article: Article, *, by, now: datetime, note: str = "") -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body_html=article.body_html,
        body_markdown=article.body_markdown, body_text=article.body_text, note=note[:200], edited_by=by, created_at=now,
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
    body_markdown: str | None = None, keywords: str = "",
) -> Article:  # fmt: skip
    """Write a new article (version 1) from Markdown (`body_markdown`) or HTML (`body_html`); the HTML
    is sanitized and the search index follows."""
    _require_editor(by)
    now = now or timezone.now()
    title, html, text, markdown = _clean_article(title, body_html, audience, body_markdown)
    article = Article(
        title=title, body_html=html, body_markdown=markdown, body_text=text, keywords=clean_keywords(keywords),
        category=category, audience=audience,
        owner=owner or by, review_on=review_on, must_read=must_read, version=1,
    )  # fmt: skip
    article.search_text = article_document(article)
    article.save()
    _record_version(article, by=by, now=now, note=_("created"))
    return article


@transaction.atomic
def article_update(
    *, article: Article, by, title: str, body_html: str = "", category: Category | None = None,
    audience: str | None = None, owner=None, review_on: date | None = None, must_read: bool | None = None,
    note: str = "", expected_version: int | None = None, now: datetime | None = None,
    body_markdown: str | None = None, keywords: str | None = None,
) -> Article:  # fmt: skip
    """Save an edit. A change of title or text becomes a new version; settings alone (audience, owner,
    review date, must read, keywords) do not. Refuses a stale edit (`expected_version` no longer current).
    The text is `body_markdown` when given (the editor), else `body_html`."""
    _require_editor(by)
    now = now or timezone.now()
    # Two editors may save the same article at once: the row lock orders them, the version check
    # refuses the second one instead of silently dropping the first one's text.
    article = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and expected_version != article.version:
        from kefu.core.errors import StaleVersion

        raise StaleVersion(_("Someone saved this article after you opened it; reload and edit again."))
    title, html, text, markdown = _clean_article(
        title, body_html, audience or article.audience, body_markdown
    )
    changed_text = title != article.title or html != article.body_html or markdown != article.body_markdown
    article.title, article.body_html, article.body_text, article.body_markdown = title, html, text, markdown
    if keywords is not None:
        article.keywords = clean_keywords(keywords)
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
        body_markdown=old.body_markdown or None,
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
    *,
    title: str,
    text: str,
    by,
    stage: str = Stage.GREETING,
    personal: bool = False,
    group=None,
    ticket_type: str = "",
) -> Script:
    """Add a script to the center's set (editors), a team set (editors) or `by`'s personal set (anyone)."""
    if stage not in Stage.values:
        raise ValidationError.for_field("stage", _("Unknown stage."))
    if ticket_type and ticket_type not in TicketType.values:
        raise ValidationError.for_field("ticket_type", _("Unknown work-order type."))
    if not personal:
        _require_editor(by)
    elif not permissions.can_read_internal(by):
        raise PermissionDenied(_("Sign in to keep personal scripts."))
    title = (title or "").strip()[:100]
    if not title:
        raise ValidationError.for_field("title", _("A script needs a title."))
    return Script.objects.create(
        title=title, text=_clean_script_text(text), stage=stage, owner=by if personal else None,
        group=None if personal else group, ticket_type=ticket_type or "",
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


#: The reply to the customer drafted when no result script (Stage.RESULT) fits the work order: a
#: whole sentence, so that it reads well in "…已办结：{result}。" even if the agent adds nothing.
DEFAULT_RESULT_REPLY = gettext_noop("Your request has been handled. Thank you for your patience.")


def result_script_for(*, ticket, by) -> Script | None:
    """The result script that drafts `ticket`'s reply to the customer: one of `by`'s sets for the
    work order's type, else one for any type; None when there is neither."""
    from kefu.knowledge.selectors import scripts_for

    return (
        scripts_for(by)
        .filter(stage=Stage.RESULT)
        .filter(Q(ticket_type=ticket.ticket_type) | Q(ticket_type=""))
        .order_by("-ticket_type", "position", "pk")  # the type's own before the general ones
        .first()
    )


def customer_reply_draft(*, ticket, by) -> str:
    """What the resolve form proposes as the reply to the customer: the result script for the work
    order filled with its variables (script_values), else DEFAULT_RESULT_REPLY. Never the internal
    note. Not counted as a use: the agent has not chosen it."""
    script = result_script_for(ticket=ticket, by=by)
    if script is None:
        return _(DEFAULT_RESULT_REPLY)
    return render(script.text, script_values(ticket=ticket, by=by))
