"""Callbacks (回访) and satisfaction (满意度): plans, tasks, attempts, scripts, answers, surveys,
the customer's verdict per contact, reviews of every "not satisfied" and praise/suggestions.

One notion of "rating per contact": `Satisfaction`, one row per work order and round. A round is
what the customer is asked about: the first resolution is round 0; every "not satisfied" reopens
the work order and the next answer (after the fix) belongs to the next round. A portal rating
(kefu.intake.portal.Rating) is recorded here as well, as a Satisfaction with source "portal".
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Score(models.TextChoices):
    """The three-level verdict (满意/基本满意/不满意); the 1–5 scale maps onto it."""

    SATISFIED = "satisfied", _("Satisfied")  # 满意
    FAIRLY = "fairly", _("Fairly satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


def score_for_scale(value: int) -> str:
    """1–5 → verdict: 4–5 satisfied, 3 fairly, 1–2 dissatisfied."""
    if value >= 4:
        return Score.SATISFIED
    if value == 3:
        return Score.FAIRLY
    return Score.DISSATISFIED


class Script(models.Model):
    """回访话术: the questions a callback agent asks, or a survey shows."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("callback script")
        verbose_name_plural = _("callback scripts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", _("Single choice")
        SCALE = "scale", _("Scale 1–5")
        TEXT = "text", _("Free text")

    class Role(models.TextChoices):
        """What an answer means for the verdict."""

        NONE = "", _("Information only")
        SOLVED = "solved", _("Was the problem solved? (first choice = yes)")
        SATISFACTION = (
            "satisfaction",
            _("Satisfaction (choices: satisfied / fairly / dissatisfied, or a scale)"),
        )
        FEEDBACK = "feedback", _("Praise or suggestion (forwarded to the department)")

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("For single choice."))
    role = models.CharField(_("meaning"), max_length=15, choices=Role.choices, blank=True, default="")
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["script", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Trigger(models.TextChoices):
    RESOLVED = "resolved", _("After a work order is resolved")
    SERVICE = "service", _("After an order or a service")
    CARE = "care", _("Periodic care for customer tiers")
    EXPIRY = "expiry", _("Before a contract or service expires")


class CallbackPlan(models.Model):
    """回访计划: a rule that creates callback tasks."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    ticket_types = models.JSONField(
        _("work-order types"), default=list, blank=True, help_text=_("Empty: every type.")
    )
    customer_tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    period_days = models.PositiveIntegerField(
        _("period (days)"),
        default=30,
        help_text=_("Periodic care: how often; after a service: days between visits."),
    )
    visits = models.PositiveSmallIntegerField(
        _("calls after a service"),
        default=1,
        help_text=_("After a service: the first call, then one per period."),
    )
    days_before = models.PositiveIntegerField(
        _("days before expiry"),
        default=30,
        help_text=_("Before an expiry: the call becomes due this many days before the end date."),
    )
    script = models.ForeignKey(
        Script, on_delete=models.PROTECT, related_name="plans", verbose_name=_("script")
    )
    team = models.ForeignKey(
        "accounts.AgentGroup", on_delete=models.PROTECT, related_name="callback_plans", verbose_name=_("team")
    )
    calendar = models.ForeignKey(
        "core.BusinessCalendar", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("calendar")
    )
    due_minutes = models.PositiveIntegerField(_("due within (working minutes)"), default=24 * 60)
    max_attempts = models.PositiveSmallIntegerField(_("attempts before unreachable"), default=3)
    retry_minutes = models.PositiveIntegerField(_("retry after (working minutes)"), default=120)
    is_active = models.BooleanField(_("active"), default=True)
    # RFM (issue 14, part 5): periodic care for the customers currently in these segments
    # (kefu.customers.rfm; codes of RfmSegment), like customer_tiers.
    rfm_segments = models.JSONField(
        _("RFM segments"),
        default=list,
        blank=True,
        help_text=_("Periodic care: the customers whose current RFM segment is one of these."),
    )

    class Meta:
        verbose_name = _("callback plan")
        verbose_name_plural = _("callback plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """合同/服务: what a customer holds until an end date, for the "before it expires" plans.

    Kefu keeps no orders or contracts of its own; this is the minimum such a plan needs: whose it
    is, what it is called, when it ends, and whom to call (empty: the customer's first phone).
    Filled by hand in the admin, by an import, or by a link to the business system.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="contracts", verbose_name=_("customer")
    )
    name = models.CharField(_("contract or service"), max_length=200)
    reference = models.CharField(_("contract number"), max_length=64, blank=True)
    expires_on = models.DateField(_("expires on"), db_index=True)
    phone = models.CharField(_("phone to call"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Cancelled or renewed: untick."))

    class Meta:
        verbose_name = _("contract or service")
        verbose_name_plural = _("contracts and services")
        ordering = ["expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.expires_on:%Y-%m-%d})"


class CallbackTask(models.Model):
    """回访任务: one customer to call, for one plan, about one work order or one period."""

    class State(models.TextChoices):
        WAITING_FIX = "waiting_fix", _("Waiting for the fix")  # follow-up: the work order is being redone
        OPEN = "open", _("To call")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Unreachable")
        CANCELLED = "cancelled", _("Cancelled")

    # Found by plan through the unique (plan, subject_key, period) and the queue index: no index of its own.
    plan = models.ForeignKey(CallbackPlan, on_delete=models.PROTECT, related_name="tasks", db_index=False)
    # The columns empty on most rows are indexed only where set (Meta.indexes): a care plan writes a
    # million rows at once, and every index it need not touch is time saved.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="callback_tasks",
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="callback_tasks"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="callback_tasks",
        db_index=False,
    )
    #: "t<ticket id>", "c<customer id>" or "k<contract id>": unique with plan and period even where the FKs are NULL.
    subject_key = models.CharField(max_length=30)
    #: Which occurrence: "r0" first round of a work order, "r1" the follow-up after a fix, "p<n>" a care
    #: period, "v<n>" a visit after a service, "e2027-01-31" the end date a contract call is about.
    period = models.CharField(max_length=20)
    round = models.PositiveSmallIntegerField(default=0)
    # Indexed where it is not "open" (Meta.indexes): open tasks are found through the queue index.
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    name = models.CharField(_("customer"), max_length=100, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Score.choices, blank=True)
    solved = models.BooleanField(_("solved"), null=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("callback task")
        verbose_name_plural = _("callback tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "subject_key", "period"], name="callback_task_once"),
        ]
        indexes = [
            models.Index(fields=["plan", "state", "due_at"], name="callback_queue"),
            models.Index(fields=["state"], name="callback_task_finished", condition=~Q(state="open")),
            *(
                models.Index(
                    fields=[field], name=f"callback_task_{field}", condition=Q(**{f"{field}__isnull": False})
                )
                for field in ("ticket", "contract", "assigned_to", "completed_by", "next_attempt_at")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.subject_key} {self.period}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Attempt(models.Model):
    """One call to the customer (回访尝试)."""

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")

    task = models.ForeignKey(CallbackTask, on_delete=models.CASCADE, related_name="attempts")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.result}"


class Satisfaction(models.Model):
    """满意度: the customer's verdict on one contact (a work order's round), whatever asked for it."""

    class Source(models.TextChoices):
        CALLBACK = "callback", _("Callback")
        SURVEY = "survey", _("Survey link")
        PORTAL = "portal", _("Portal")
        CHAT = "chat", _("End of chat")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="satisfactions")
    round = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    score = models.CharField(_("satisfaction"), max_length=12, choices=Score.choices, db_index=True)
    scale = models.PositiveSmallIntegerField(_("scale 1–5"), null=True, blank=True)
    solved = models.BooleanField(_("solved"), null=True)
    comment = models.TextField(_("comment"), blank=True)
    task = models.ForeignKey(CallbackTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Facts of the contact at the time, so measures group without joining the moving work order.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey("accounts.AgentGroup", on_delete=models.SET_NULL, null=True, blank=True)
    ticket_type = models.CharField(max_length=20)
    channel = models.CharField(max_length=20)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("satisfaction")
        verbose_name_plural = _("satisfaction")
        ordering = ["-created_at"]
        constraints = [
            # One answer per contact: a double click, two tabs or two sources cannot both count.
            models.UniqueConstraint(fields=["ticket", "round"], name="satisfaction_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round} {self.score}"

    @property
    def not_satisfied(self) -> bool:
        return self.score == Score.DISSATISFIED or self.solved is False


class Answer(models.Model):
    """One answer to one question of a script, from a callback or a survey."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    task = models.ForeignKey(
        CallbackTask, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    satisfaction = models.ForeignKey(
        Satisfaction, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    value = models.TextField(_("answer"), blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["question__position", "id"]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class SurveySettings(models.Model):
    """Site-wide survey rules (满意度调查设置)."""

    class ScaleKind(models.TextChoices):
        THREE = "three", _("Three levels (满意/基本满意/不满意)")
        FIVE = "five", _("Scale 1–5")

    enabled = models.BooleanField(_("send surveys after resolution"), default=True)
    scale = models.CharField(_("scale"), max_length=5, choices=ScaleKind.choices, default=ScaleKind.THREE)
    not_twice_days = models.PositiveIntegerField(
        _("do not ask the same customer twice within (days)"), default=7
    )
    link_days = models.PositiveIntegerField(_("links valid for (days)"), default=7)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "SurveySettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class SurveyInvitation(models.Model):
    """A survey link sent for one contact (round); at most one per work order and round."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="survey_invitations")
    round = models.PositiveSmallIntegerField(default=0)
    customer = models.ForeignKey("customers.Customer", on_delete=models.SET_NULL, null=True, blank=True)
    address = models.CharField(max_length=254, blank=True)
    #: How it was asked: "" a notice (SMS or email link), "chat" in the chat window as the chat ended.
    via = models.CharField(max_length=10, blank=True)
    notice = models.ForeignKey("notify.CustomerNotice", on_delete=models.SET_NULL, null=True, blank=True)
    skipped = models.CharField(_("not sent because"), max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "round"], name="survey_once_per_round")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round}"


class Factor(models.TextChoices):
    AGENT = "agent", _("Agent factor")
    OTHER = "other", _("Non-agent factor")


class Reason(models.Model):
    """不满意原因: an editable taxonomy, split into agent and non-agent factors."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    factor = models.CharField(_("factor"), max_length=5, choices=Factor.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dissatisfaction reason")
        verbose_name_plural = _("dissatisfaction reasons")
        ordering = ["factor", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """A reviewer's listening to one "not satisfied" contact (不满意复核), with its reasons."""

    satisfaction = models.OneToOneField(Satisfaction, on_delete=models.CASCADE, related_name="review")
    reasons = models.ManyToManyField(Reason, related_name="reviews", verbose_name=_("reasons"))
    note = models.TextField(_("note"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"review {self.satisfaction_id}"


class Feedback(models.Model):
    """表扬/意见/建议 collected by a callback or a survey, forwarded to the department concerned."""

    class Kind(models.TextChoices):
        PRAISE = "praise", _("Praise")
        SUGGESTION = "suggestion", _("Suggestion")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    satisfaction = models.ForeignKey(
        Satisfaction, on_delete=models.CASCADE, null=True, related_name="feedback"
    )
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("praise or suggestion")
        verbose_name_plural = _("praise and suggestions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id}"
