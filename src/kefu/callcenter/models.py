"""Call records (通话记录) from the CTI link and from imported PBX logs, and the runs that imported them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgentLine(models.Model):
    """坐席分机: the extension / CTI agent id a PBX uses for a staff member."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_line", verbose_name=_("agent")
    )
    extension = models.CharField(_("extension or CTI agent id"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("agent line")
        verbose_name_plural = _("agent lines")

    def __str__(self) -> str:
        return f"{self.extension} → {self.user}"


class Source(models.TextChoices):
    CTI = "cti", _("CTI link")
    QUEUE_LOG = "queue_log", _("Asterisk queue_log")
    CDR = "cdr", _("Asterisk CDR CSV")
    CSV = "csv", _("CSV with a column mapping")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound (呼入)")
    OUTBOUND = "outbound", _("Outbound (呼出)")
    INTERNAL = "internal", _("Internal (内部)")


class Outcome(models.TextChoices):
    RINGING = "ringing", _("Ringing")  # CTI: offered to an agent, not answered yet
    IN_PROGRESS = "in_progress", _("In progress")  # CTI: answered, not hung up yet
    ANSWERED = "answered", _("Answered (接通)")
    ABANDONED = "abandoned", _("Abandoned (放弃)")  # the caller hung up before an agent answered
    TRANSFERRED = "transferred", _("Transferred (转接)")
    TIMED_OUT = "timed_out", _("Timed out (超时)")  # the queue gave up on the caller
    FAILED = "failed", _("Failed (失败)")  # busy, congestion, failed: the call never reached anyone


LIVE_OUTCOMES = (Outcome.RINGING, Outcome.IN_PROGRESS)

#: An outcome word mapped to "auto": answered when the line has an answer time or talk time, else
#: abandoned (FreeSWITCH's NORMAL_CLEARING ends answered and unanswered calls alike).
AUTO_OUTCOME = "auto"


def normalize_word(word: str) -> str:
    """How outcome words are compared: case, "_", "-" and repeated spaces do not matter."""
    return " ".join(word.replace("_", " ").replace("-", " ").casefold().split())


class OutcomeWord(models.Model):
    """结果词: an outcome word of a PBX or an export and the outcome it means, beside the built-in
    ones (kefu.callcenter.imports.outcomes); a word here wins over a built-in one."""

    word = models.CharField(_("word in the file"), max_length=60, unique=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=[
            (AUTO_OUTCOME, _("Answered if answered, else abandoned")),
            *[(value, label) for value, label in Outcome.choices if value not in LIVE_OUTCOMES],
        ],
    )

    class Meta:
        verbose_name = _("outcome word")
        verbose_name_plural = _("outcome words")
        ordering = ["word"]

    def __str__(self) -> str:
        return f"{self.word} → {self.outcome}"

    def save(self, *args, **kwargs):
        self.word = normalize_word(self.word)
        super().save(*args, **kwargs)


class ImportRun(models.Model):
    """One `kefu import-calls` of one file: counts, and the lines it refused (below)."""

    source = models.CharField(_("format"), max_length=20, choices=Source.choices)
    file_name = models.CharField(_("file name"), max_length=500)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lines = models.PositiveIntegerField(_("lines read"), default=0)
    imported = models.PositiveIntegerField(_("calls imported"), default=0)
    duplicates = models.PositiveIntegerField(_("calls already present"), default=0)
    changed = models.PositiveIntegerField(_("calls changed since the last import"), default=0)
    updated = models.PositiveIntegerField(_("changed calls updated"), default=0)
    skewed = models.PositiveIntegerField(_("calls with clock skew corrected"), default=0)
    incomplete = models.PositiveIntegerField(_("calls not finished in the file"), default=0)
    error_count = models.PositiveIntegerField(_("lines refused"), default=0)
    agent_states = models.PositiveIntegerField(_("agent state changes imported"), default=0)
    agent_states_unknown = models.PositiveIntegerField(_("agent state changes of unknown agents"), default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("call import")
        verbose_name_plural = _("call imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportLineError(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="errors")
    line_no = models.PositiveIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=300)
    raw = models.CharField(_("line text"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("refused import line")
        verbose_name_plural = _("refused import lines")
        ordering = ["run", "line_no"]

    def __str__(self) -> str:
        return f"{self.line_no}: {self.reason}"


class CallRecord(models.Model):
    """通话记录: one call (for queue_log: one call's visit to one queue).

    `source` + `external_id` is unique, so a repeated CTI event or a second import of the same file
    adds nothing: the Asterisk uniqueid (with the queue for queue_log), the PBX's call id, or a digest of
    the CSV row when the file has no id column.
    """

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    external_id = models.CharField(_("external id"), max_length=150)
    queue = models.CharField(_("queue"), max_length=80, blank=True)
    caller_number = models.CharField(_("caller number"), max_length=40, blank=True)
    called_number = models.CharField(_("called number"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Whether the call waited in a queue (None: the source does not say) and when it entered it.
    queued = models.BooleanField(_("queued"), null=True, blank=True)
    queued_at = models.DateTimeField(_("entered the queue at"), null=True, blank=True)
    # Imports write hundreds of thousands of rows: every index here is one the reads below use.
    # An agent's and a customer's calls are read through call_agent / call_customer, which lead
    # with the key, so the foreign keys have no index of their own.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("agent"),
        db_index=False,
    )
    agent_code = models.CharField(_("agent as the PBX names it"), max_length=80, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    wait_seconds = models.PositiveIntegerField(_("wait (s)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk (s)"), null=True, blank=True)
    # Time the agent put the caller on hold during the talk (保持), when the source records it (the
    # CTI link, a CSV column). Not Asterisk queue_log's "holdtime": that is the wait in the queue.
    hold_seconds = models.PositiveIntegerField(_("hold (s)"), null=True, blank=True)
    wrapup_seconds = models.PositiveIntegerField(_("wrap-up (s)"), null=True, blank=True)
    wrapup_code = models.CharField(_("wrap-up code"), max_length=80, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("customer"),
        db_index=False,
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("work order"),
    )
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    import_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="call_source_external_id")
        ]
        indexes = [
            models.Index(fields=["arrived_at"], name="call_arrived"),
            models.Index(fields=["agent", "-arrived_at"], name="call_agent"),
            models.Index(fields=["customer", "-arrived_at"], name="call_customer"),
            models.Index(fields=["caller_number"], name="call_caller"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or '?'} {self.arrived_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def is_live(self) -> bool:
        return self.outcome in LIVE_OUTCOMES


class AgentState(models.TextChoices):
    """坐席状态: what an agent is doing, as the PBX, the chat console or the agent says."""

    LOGGED_OUT = "logged_out", _("Logged out (签出)")  # not working: not counted anywhere
    AVAILABLE = "available", _("Available (空闲)")  # logged in, waiting for a contact
    ON_CONTACT = "on_contact", _("On a contact (服务中)")  # talking, chatting, holding
    WRAP_UP = "wrap_up", _("Wrap-up (话后处理)")  # after-call work before the next contact
    BREAK = "break", _("Break (休息)")  # logged in but not taking contacts; `reason` says why


class StateSource(models.TextChoices):
    CTI = "cti", _("CTI link")
    QUEUE_LOG = "queue_log", _("Asterisk queue_log")
    CHAT = "chat", _("Chat console")
    MANUAL = "manual", _("Set by hand")


class AgentStateEvent(models.Model):
    """坐席状态变更: from `at` on, the agent is in `state` (until their next event).

    Append-only: an event is never changed; a late one is placed by its time among the others.
    One timeline per agent, whatever the source: the latest event before a moment says the state.
    `source` + `external_id` is unique, so a repeated CTI post or a second import adds nothing.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="state_events",
        verbose_name=_("agent"),
        db_index=False,  # agent_state_at leads with the agent
    )
    state = models.CharField(_("state"), max_length=12, choices=AgentState.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)  # 小休, 用餐, 培训 …
    at = models.DateTimeField(_("from"))
    source = models.CharField(_("source"), max_length=12, choices=StateSource.choices)
    external_id = models.CharField(_("external id"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="agent_state_source_external_id")
        ]
        indexes = [
            # An agent's events in a period, and the last one before it (state_seconds).
            models.Index(fields=["agent", "at"], name="agent_state_at"),
            # Every agent's events in a period.
            models.Index(fields=["at"], name="agent_state_time"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} {self.at:%Y-%m-%d %H:%M:%S}"
