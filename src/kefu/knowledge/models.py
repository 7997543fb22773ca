"""Knowledge base (知识库): articles in a category tree with versions and must-read briefings, the synonym
table for search, scripts (话术), phrase rules (禁用语 / 口头语 / 必用语) and the case library (案例库)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.tickets.models import TicketType


class Category(models.Model):
    """知识分类: a node of the category tree."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="knowledge_category_unique_name")
        ]

    def __str__(self) -> str:
        return " / ".join(c.name for c in self.path())

    def path(self) -> list["Category"]:
        """This category and its ancestors, root first (stops at a loop, which the admin cannot make)."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain[::-1]


class Audience(models.TextChoices):
    INTERNAL = "internal", _("internal only")
    PUBLIC = "public", _("public (customer portal FAQ)")


class Article(TimeStampedModel):
    """知识文章: one answer kept right in one place. Every change of its text is an ArticleVersion."""

    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    body_html = models.TextField(_("body"), blank=True, help_text=_("Sanitized HTML."))
    # What the editor wrote (Markdown, HTML allowed); body_html is made from it. Empty for an article
    # written as HTML before the Markdown editor: its body_html is shown as it is.
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    body_text = models.TextField(_("body as text"), blank=True, editable=False)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True,
        help_text=_("Words customers and agents use for this topic, separated by spaces; search weighs them."),
    )  # fmt: skip
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="owned_articles", verbose_name=_("owner"),
    )  # fmt: skip
    review_on = models.DateField(_("review date"), null=True, blank=True)
    must_read = models.BooleanField(_("must read (briefing)"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    search_text = models.TextField(editable=False, blank=True, help_text="terms, maintained by core.search")

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def review_overdue(self, today=None) -> bool:
        """Past its review date: the content may be out of date and is flagged."""
        today = today or timezone.localdate()
        return self.review_on is not None and self.review_on < today


class ArticleVersion(models.Model):
    """文章版本: the article as it was saved; rollback copies one back as a new version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body"), blank=True)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    body_text = models.TextField(_("body as text"), blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("saved at"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="knowledge/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")

    def __str__(self) -> str:
        return self.name


class Acknowledgement(models.Model):
    """已读回执: an agent confirms having read a must-read briefing."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    version = models.PositiveIntegerField(_("version read"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="knowledge_ack_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.article_id} v{self.version}"


class Synonym(models.Model):
    """同义词: words a search treats as one (退款 退钱 退费), edited by managers."""

    words = models.CharField(
        _("words"), max_length=300, help_text=_("Two or more words separated by spaces.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")

    def __str__(self) -> str:
        return self.words

    def word_list(self) -> list[str]:
        return list(dict.fromkeys(w for w in self.words.replace(",", " ").replace("，", " ").split() if w))


class Stage(models.TextChoices):
    GREETING = "greeting", _("greeting")
    NEED = "need", _("understanding the need")
    PRESENTING = "presenting", _("presenting")
    OBJECTION_PRICE = "objection_price", _("objection: price")
    OBJECTION_AUTHENTICITY = "objection_authenticity", _("objection: authenticity")
    OBJECTION_RETURNS = "objection_returns", _("objection: returns")
    OBJECTION_SHIPPING = "objection_shipping", _("objection: shipping costs")
    OBJECTION_DELAY = "objection_delay", _("objection: delays")
    RECOMMENDATION = "recommendation", _("related recommendations")
    PAYMENT = "payment", _("payment")
    LOGISTICS = "logistics", _("logistics")
    AFTER_SALE = "after_sale", _("after-sale")
    #: The reply to the customer when a work order is resolved: drafts the resolve form's reply.
    RESULT = "result", _("reply with the result")
    FAREWELL = "farewell", _("farewell")


class Script(TimeStampedModel):
    """话术: a standard phrase for a stage of the conversation, with {variables} filled when inserted.

    Center-wide when it has neither owner nor group; a team set when it has a group; personal with an owner.
    """

    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.GREETING)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    ticket_type = models.CharField(
        _("for work orders of type"), max_length=20, choices=TicketType.choices, blank=True,
        help_text=_("Blank: any type. A result script of the work order's type drafts its reply first."),
    )  # fmt: skip
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="scripts", verbose_name=_("personal set of"),
    )  # fmt: skip
    group = models.ForeignKey(
        "accounts.AgentGroup", on_delete=models.CASCADE, null=True, blank=True,
        related_name="scripts", verbose_name=_("team set of"),
    )  # fmt: skip
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("script")
        verbose_name_plural = _("scripts")
        ordering = ["stage", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class RuleKind(models.TextChoices):
    FORBIDDEN = "forbidden", _("forbidden phrase")
    DISCOURAGED = "discouraged", _("discouraged filler")
    REQUIRED = "required", _("required phrase")


class PhraseRule(models.Model):
    """禁用语 / 口头语 / 必用语: one phrase of the managed lists checked in every reply."""

    kind = models.CharField(_("kind"), max_length=12, choices=RuleKind.choices, default=RuleKind.FORBIDDEN)
    phrase = models.CharField(_("phrase"), max_length=100)
    alternative = models.CharField(_("standard alternative"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phrase rule")
        verbose_name_plural = _("phrase rules")
        ordering = ["kind", "phrase"]
        constraints = [models.UniqueConstraint(fields=["kind", "phrase"], name="knowledge_phrase_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phrase}"


class Case(TimeStampedModel):
    """案例: a conversation kept for training, as a tree of CaseNode rows."""

    class Verdict(models.TextChoices):
        GOOD = "good", _("good example")
        BAD = "bad", _("bad example")

    class Source(models.TextChoices):
        TRANSCRIPT = "transcript", _("real transcript (anonymised)")
        TRAINER = "trainer", _("written by a trainer")

    title = models.CharField(_("title"), max_length=200)
    verdict = models.CharField(_("example"), max_length=4, choices=Verdict.choices, default=Verdict.GOOD)
    notes = models.TextField(_("what made it so"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.TRAINER)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("category")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class CaseNode(models.Model):
    """One step of a case: the root is the customer's first request; replies and follow-up questions
    branch from it; a resolution is a leaf."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("customer request")
        REPLY = "reply", _("agent reply")
        FOLLOW_UP = "follow_up", _("follow-up question")
        RESOLUTION = "resolution", _("resolution")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text"))
    note = models.TextField(_("trainer's note"), blank=True)
    audio = models.FileField(_("audio"), upload_to="cases/%Y/%m/", blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(parent__isnull=True), name="knowledge_case_one_root"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"
