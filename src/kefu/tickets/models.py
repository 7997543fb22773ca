"""Work orders (工单): types, categories, the ticket itself, its timeline, dispatches, SLA and escalations.

Rows hold data and per-row invariants only; every change goes through tickets/services and the
state machine in tickets/workflow.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    """工单类型; the value's prefix letters start the human number (TS-20261122-0001)."""

    CONSULTATION = "consultation", _("Consultation (咨询)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    PRAISE = "praise", _("Praise (表扬)")
    REPAIR = "repair", _("Repair (报修)")
    RETURN = "return", _("Return/exchange (退换货)")
    OTHER = "other", _("Other (其他)")


NUMBER_PREFIX = {
    TicketType.CONSULTATION: "ZX",
    TicketType.COMPLAINT: "TS",
    TicketType.SUGGESTION: "JY",
    TicketType.PRAISE: "BY",
    TicketType.REPAIR: "BX",
    TicketType.RETURN: "TH",
    TicketType.OTHER: "QT",
}


class Channel(models.TextChoices):
    """受理渠道: where the contact came from."""

    PHONE = "phone", _("Phone hotline (电话)")
    WALK_IN = "walk_in", _("Walk-in (来访)")
    LETTER = "letter", _("Letter (来信)")
    EMAIL = "email", _("Email (邮件)")
    PORTAL = "portal", _("Web portal (网站)")
    CHAT = "chat", _("Live chat (在线客服)")
    SMS = "sms", _("SMS (短信)")
    MEDIA = "media", _("Media (媒体)")
    REGULATOR = "regulator", _("Consumer association / regulator (消协/监管转办)")
    TRANSFER = "transfer", _("Transfer from a department (部门转来)")
    ONSITE = "onsite", _("On-site (现场)")


class Severity(models.TextChoices):
    GENERAL = "general", _("General (一般)")
    MAJOR = "major", _("Major (重大)")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low (低)")
    NORMAL = 2, _("Normal (中)")
    HIGH = 3, _("High (高)")
    URGENT = 4, _("Urgent (紧急)")


class Status(models.TextChoices):
    NEW = "new", _("New (新建)")  # recorded, nobody has taken it yet
    ACCEPTED = "accepted", _("Accepted (已受理)")  # an owner took it: first response given
    IN_PROGRESS = "in_progress", _("In progress (处理中)")  # the owner is working on it
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer (待客户反馈)")  # SLA clocks paused
    DISPATCHED = "dispatched", _("Dispatched (已转办)")  # at least one department must reply
    DEPARTMENT_REPLIED = "department_replied", _("Department replied (部门已回复)")  # every dispatch answered
    RESOLVED = "resolved", _("Resolved (已办结)")  # the owner gave the result to the customer
    AWAITING_CALLBACK = "awaiting_callback", _("Awaiting callback (待回访)")  # the customer must confirm
    CLOSED = "closed", _("Closed (已关闭)")  # the customer confirmed; terminal unless reopened
    MERGED = "merged", _("Merged (已合并)")  # a duplicate, folded into another work order; terminal
    CANCELLED = "cancelled", _("Cancelled (已撤销)")  # recorded in error or withdrawn; terminal


OPEN_STATUSES = [
    Status.NEW,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.DISPATCHED,
    Status.DEPARTMENT_REPLIED,
]
TERMINAL_STATUSES = [Status.CLOSED, Status.MERGED, Status.CANCELLED]


class Category(models.Model):
    """工单分类: an editable tree per ticket type (e.g. 18 consultation categories)."""

    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["ticket_type", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "parent", "name"], name="category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            names.append(node.name)
            seen.add(node.pk)
            node = node.parent
        return " / ".join(reversed(names))


class Ticket(models.Model):
    """工单: one record per customer contact, driven by tickets/workflow.py."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )

    # Every write of a work order updates every index of this table (a sweep rewrites thousands), so
    # the foreign keys read through a composite index that leads with them (customer, group, owner,
    # escalated_to: see Meta.indexes) have none of their own, and the type has none at all.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("customer"),
        db_index=False,
    )
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=30, blank=True)
    customer_email = models.EmailField(_("customer email"), blank=True)

    title = models.CharField(_("summary"), max_length=200)
    content = models.TextField(_("content (the customer's own words)"))
    demands = models.TextField(_("customer's demands"), blank=True)
    location = models.CharField(_("place / counter / shop number"), max_length=100, blank=True)
    subject_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("person complained about"),
    )
    subject_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("department complained about"),
    )
    subject_product = models.CharField(_("product complained about"), max_length=200, blank=True)
    # Resolving writes two texts: the internal note (staff only: the timeline, the work-order page) and
    # the reply to the customer, the only one SMS, email, the portal and the survey page show.
    resolution = models.TextField(_("result (internal)"), blank=True)
    customer_reply = models.TextField(_("reply to the customer"), blank=True)
    # The facts a channel needs beyond the register (a regulator's reference number and deadline, the
    # media outlet and link, a letter's date received); kefu.intake says which each channel requires.
    channel_details = models.JSONField(_("channel details"), default=dict, blank=True)

    group = models.ForeignKey(
        "accounts.AgentGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("group"),
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
        verbose_name=_("first-contact owner (首问负责人)"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sla_policy = models.ForeignKey(
        "SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_tickets",
        verbose_name=_("escalated to"),
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )

    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped on every change.")
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    search_text = models.TextField(
        editable=False, blank=True, help_text="jieba tokens, maintained by core.search"
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="ticket_owner_status"),
            models.Index(fields=["group", "status", "-created_at"], name="ticket_group_status"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            models.Index(fields=["escalated_to", "status"], name="ticket_escalated"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer"),
            models.Index(fields=["customer_phone"], name="ticket_customer_phone"),
            # The agent queues, each read in index order and cut off early (see selectors.ticket_queue).
            models.Index(
                fields=["owner", "-created_at"],
                name="ticket_open_owner",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["group", "-created_at"],
                name="ticket_open_group",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["created_at"],
                name="ticket_open_unowned",
                condition=models.Q(status__in=OPEN_STATUSES, owner__isnull=True),
            ),
            models.Index(
                fields=["escalated_to", "-updated_at"],
                name="ticket_escalated_live",
                condition=~models.Q(status__in=TERMINAL_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_complaint(self) -> bool:
        return self.ticket_type == TicketType.COMPLAINT


class TicketNumberSequence(models.Model):
    """One counter per prefix and day, so numbers stay short and gap-free under concurrency."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="ticket_number_seq_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d} {self.last}"


class TicketEvent(models.Model):
    """时间线: who did what, when, from which state to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        NOTE = "note", _("Note")
        UPDATE = "update", _("Fields changed")
        DISPATCH = "dispatch", _("Dispatched")
        DEPARTMENT_REPLY = "department_reply", _("Department reply")
        DEPARTMENT_RETURN = "department_return", _("Sent back by department")
        SLA_BREACH = "sla_breach", _("SLA breached")
        ESCALATION = "escalation", _("Escalated")
        MERGE = "merge", _("Merged")
        ATTACHMENT = "attachment", _("Attachment")
        MESSAGE_IN = "message_in", _("Customer message")
        MESSAGE_OUT = "message_out", _("Reply to the customer")
        RECUSAL = "recusal", _("Recusal")  # 回避: the person complained about is kept out of it

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.CharField(max_length=30, blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.action}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{filename}"


class Message(models.Model):
    """沟通记录: one message between the center and the customer on a work order, in either direction.

    Every channel (email, portal, chat, SMS, and replies given by phone or letter) records its
    correspondence here, so the work order holds the whole conversation whatever the channel.
    `external_id` is the channel's own id (an email's Message-ID, a chat line's id): unique per
    channel, so receiving the same message twice stores it once.
    """

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the customer")
        OUTBOUND = "out", _("To the customer")

    class Delivery(models.TextChoices):
        RECEIVED = "received", _("Received")
        PENDING = "pending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        RECORDED = "recorded", _("Recorded (given by phone, in person or by letter)")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("from"), max_length=200, blank=True)
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text="The customer's email, phone or chat handle."
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML (sanitized)"), blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    delivery_error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.direction} {self.channel}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=255)
    content_id = models.CharField(max_length=255, blank=True, help_text="An inline image's Content-ID.")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    """转办: a work order sent to a department with a deadline and instructions."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the department (待回复)")
        REPLIED = "replied", _("Replied (已回复)")
        RETURNED = "returned", _("Sent back (已退回)")
        WITHDRAWN = "withdrawn", _("Withdrawn (已撤回)")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="dispatches")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="dispatches")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    instructions = models.TextField(_("instructions"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    reply = models.TextField(_("reply"), blank=True)
    return_reason = models.TextField(_("reason for sending back"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["department", "state", "deadline"], name="dispatch_inbox")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.department}"


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response (首次响应)")
    RESOLUTION = "resolution", _("Resolution (办结)")
    DEPARTMENT_REPLY = "department_reply", _("Department reply (部门回复)")
    CALLBACK = "callback", _("Callback (回访)")


class SlaPolicy(models.Model):
    """SLA 策略: targets in working minutes by type × severity × customer tier (blank = any).

    The most specific matching policy wins.
    """

    name = models.CharField(_("name"), max_length=100)
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    customer_tier = models.CharField(_("customer tier"), max_length=10, blank=True)
    calendar = models.ForeignKey(
        "core.BusinessCalendar", on_delete=models.PROTECT, verbose_name=_("calendar")
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (working minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution (working minutes)"), null=True, blank=True)
    department_reply_minutes = models.PositiveIntegerField(
        _("department reply (working minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: three working days, or the deadline given at dispatch."),
    )
    callback_minutes = models.PositiveIntegerField(_("callback (working minutes)"), null=True, blank=True)
    escalate_on_breach = models.BooleanField(_("escalate on breach"), default=True)
    escalate_major_at_once = models.BooleanField(_("escalate major complaints at once"), default=True)
    max_escalation_level = models.PositiveSmallIntegerField(
        _("highest escalation step"), default=3, help_text=_("1 supervisor, 2 manager, 3 general manager.")
    )
    repeat_escalation_minutes = models.PositiveIntegerField(
        _("escalate another step every (working minutes overdue)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, target: str) -> int | None:
        return getattr(self, f"{target}_minutes")

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.ticket_type, self.severity, self.customer_tier))


class SlaClock(models.Model):
    """One running SLA target of one work order (or of one dispatch).

    `consumed_seconds` counts working time used before the last pause; while running,
    `due_at` is when the rest of the budget runs out on the calendar (indexed for the sweep).
    """

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_clocks"
    )
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Empty: the built-in calendar (no calendar configured yet).",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    budget_seconds = models.PositiveIntegerField()
    consumed_seconds = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True, help_text="When the sweep must look again.")
    stopped_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_steps = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(
                fields=["next_action_at"],
                name="sla_clock_sweep",
                condition=models.Q(next_action_at__isnull=False),
            ),
            models.Index(fields=["ticket", "target"], name="sla_clock_ticket"),
            # "About to breach": running clocks by due time, with the work order they belong to.
            models.Index(
                fields=["due_at", "ticket"], name="sla_clock_running_due", condition=models.Q(state="running")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.state}"

    @property
    def missed(self) -> bool:
        """The target was missed: the sweep marked it breached, or it stopped after it was due (the
        sweep had not passed in between). The same rule as `MISSED` below, for one row."""
        if self.breached_at is not None:
            return True
        return bool(
            self.state == self.State.STOPPED
            and self.due_at
            and self.stopped_at
            and self.stopped_at > self.due_at
        )


#: SQL form of SlaClock.missed: THE rule for "an SLA target was missed" in lists and figures.
SLA_MISSED = models.Q(breached_at__isnull=False) | models.Q(
    state=SlaClock.State.STOPPED, stopped_at__gt=models.F("due_at")
)


class Escalation(models.Model):
    """升级: a work order raised one step up the ladder, to a named person."""

    class Reason(models.TextChoices):
        """The rule that fired; kefu.tickets.services.escalation owns what each says (with `details`)."""

        COMPLAINT = "complaint", _("Complaint about a person")
        BREACH = "breach", _("SLA breached")
        MAJOR = "major", _("Major complaint")
        MANUAL = "manual", _("Raised by hand")
        DISSATISFIED = "dissatisfied", _("Customer not satisfied")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    clock = models.ForeignKey(
        SlaClock, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )
    step = models.PositiveSmallIntegerField(default=1)
    level = models.PositiveSmallIntegerField(
        help_text="Ladder rank of the recipient: 2 supervisor, 3 manager, 4 GM."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    #: What the reason names: the person complained about, the clock breached, who raised it by hand.
    details = models.JSONField(default=dict, blank=True)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_received"
    )
    created_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [
            # The sweep may run twice or on two workers: one clock escalates each step once.
            models.UniqueConstraint(fields=["clock", "step"], name="escalation_once_per_clock_step"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.to_user_id} ({self.reason})"


class EscalationSettings(models.Model):
    """Site-wide escalation facts: who stands at the top of the ladder (董事会/上级单位联系人)."""

    board_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("top of the ladder (board contact)"),
        help_text=_("Receives complaints about the general manager or anyone with nobody above."),
    )

    class Meta:
        verbose_name = _("escalation settings")
        verbose_name_plural = _("escalation settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "EscalationSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
