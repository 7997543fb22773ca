"""Rubrics (质检评分表), their versions and items, and the rules that find each item."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.quality.models.transcripts import Channel


class ItemGroup(models.TextChoices):
    OPENING = "opening", _("Opening (开场)")
    WORDING = "wording", _("Service wording (服务用语)")
    ATTITUDE = "attitude", _("Attitude (服务态度)")
    SKILL = "skill", _("Business skill (业务能力)")
    PROCESS = "process", _("Process (流程规范)")
    CLOSING = "closing", _("Closing (结束)")


class Direction(models.TextChoices):
    SUBTRACT = "subtract", _("Subtract points")
    ADD = "add", _("Add points")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor (轻微)")
    NORMAL = "normal", _("Normal (一般)")
    SEVERE = "severe", _("Severe (严重)")
    FATAL = "fatal", _("Fatal (致命)")


class Rubric(models.Model):
    """质检评分表: what a conversation is scored against, chosen by channel and queue.

    The rubric itself only names and routes; what is scored lives in its versions. `channels` and
    `queues` are lists; an empty `queues` means every queue of those channels. When several rubrics
    fit a conversation, the one with the most specific match (a queue listed) wins, then `position`.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    channels = models.JSONField(_("channels"), default=list, help_text=str(Channel.values))
    queues = models.JSONField(_("queues"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def channel_labels(self) -> str:
        """The channels it scores, as people read them (电话、在线客服)."""
        return ", ".join(str(Channel(c).label) for c in self.channels or [] if c in Channel.values)


class RubricVersion(models.Model):
    """One version of a rubric: its scores, items and rules. A draft may change; once published it
    never does, so every recorded score names the exact version it was scored against. Editing a
    published rubric makes a new draft (a copy); publishing it makes it the current version."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="versions", verbose_name=_("rubric")
    )
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    start_score = models.DecimalField(_("start score"), max_digits=6, decimal_places=2, default=100)
    floor_score = models.DecimalField(_("floor"), max_digits=6, decimal_places=2, default=0)
    ceiling_score = models.DecimalField(_("ceiling"), max_digits=6, decimal_places=2, default=100)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rubric version")
        verbose_name_plural = _("rubric versions")
        ordering = ["rubric", "-number"]
        constraints = [models.UniqueConstraint(fields=["rubric", "number"], name="rubric_version_number")]

    def __str__(self) -> str:
        return f"{self.rubric} v{self.number}"


class RubricItem(models.Model):
    """评分项: one thing scored, in a group, with its points, direction and severity. A fatal
    finding sets the whole score to the version's floor. `code` is stable across versions (the
    copy keeps it), so reports can follow an item from version to version."""

    version = models.ForeignKey(
        RubricVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version")
    )
    code = models.CharField(_("code"), max_length=40)
    group = models.CharField(_("group"), max_length=12, choices=ItemGroup.choices)
    name = models.CharField(_("name"), max_length=200)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.SUBTRACT
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    per_occurrence = models.BooleanField(_("count every occurrence"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rubric item")
        verbose_name_plural = _("rubric items")
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="rubric_item_code")]

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    """质检规则: conditions (kefu.quality.engine's JSON: all / any / not over typed leaves) that,
    when true of a conversation, find the item. Rules belong to a version like the items."""

    version = models.ForeignKey(
        RubricVersion, on_delete=models.CASCADE, related_name="rules", verbose_name=_("version")
    )
    item = models.ForeignKey(
        RubricItem, on_delete=models.CASCADE, related_name="rules", verbose_name=_("item")
    )
    name = models.CharField(_("name"), max_length=200)
    condition = models.JSONField(_("conditions"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["version", "item__position", "pk"]

    def __str__(self) -> str:
        return self.name
