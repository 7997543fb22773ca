"""Mailboxes (邮箱) and the inbound log that makes ingestion crash-safe."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import TicketType


class Mailbox(models.Model):
    """A mailbox the center receives customer mail in; its mail becomes work orders of one type and group."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(
        _("reply address"), help_text=_("Replies and acknowledgements are sent from it.")
    )
    ticket_type = models.CharField(
        _("work-order type"), max_length=20, choices=TicketType.choices, default=TicketType.CONSULTATION
    )
    group = models.ForeignKey(
        "accounts.AgentGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent group"),
    )
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over SSL"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    enabled = models.BooleanField(_("enabled"), default=True)
    acknowledge = models.BooleanField(
        _("acknowledge new mail"), default=True, help_text=_("Send the work-order number and promised time.")
    )
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last polling error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundMail(models.Model):
    """One received mail, kept raw before it is processed, so a crash loses nothing.

    Per mailbox and IMAP UID at most one row; a mail that cannot be processed stays `failed`
    with its error for an administrator, and the batch goes on.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received, not processed yet")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound",
        verbose_name=_("mailbox"),
    )
    uid = models.BigIntegerField(_("IMAP UID"), null=True, blank=True)
    uid_validity = models.BigIntegerField(null=True, blank=True)
    mail_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uid_validity", "uid"],
                condition=models.Q(uid__isnull=False),
                name="inbound_mail_unique_uid",
            )
        ]
        indexes = [models.Index(fields=["state", "id"], name="inbound_mail_state")]

    def __str__(self) -> str:
        return f"{self.mail_id or self.pk} {self.state}"


class Acknowledgement(models.Model):
    """An acknowledgement sent to a sender: counted per address and hour for the rate limit."""

    address = models.CharField(max_length=254)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("tickets.Message", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        indexes = [models.Index(fields=["address", "created_at"], name="email_ack_address_time")]

    def __str__(self) -> str:
        return f"{self.address} {self.created_at:%Y-%m-%d %H:%M}"
