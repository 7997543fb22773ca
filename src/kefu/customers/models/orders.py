"""Orders and payments (订单与回款) from the business systems, and the imports that bring them: they
feed the value tiers, RFM and the loyalty points."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    ORDER = "order", _("Order")
    REFUND = "refund", _("Refund")


class Order(models.Model):
    """An order from a business system (订单), or a refund reversing part or all of one.

    Idempotent by (`source`, `external_id`): importing or posting it again changes nothing. A refund
    carries a negative amount and names the order it reverses, so sums over a period are the revenue.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="orders", verbose_name=_("customer")
    )
    source = models.CharField(_("source system"), max_length=40, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=6, choices=OrderKind.choices, default=OrderKind.ORDER)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    amount = models.DecimalField(_("amount (元)"), max_digits=14, decimal_places=2)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="order_external_unique")
        ]
        indexes = [models.Index(fields=["customer", "placed_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Payment(models.Model):
    """Money received from a customer (回款), idempotent like orders; a refund is a negative payment."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="payments", verbose_name=_("customer")
    )
    source = models.CharField(_("source system"), max_length=40, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("order"),
    )
    amount = models.DecimalField(_("amount (元)"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), db_index=True)
    method = models.CharField(_("method"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="payment_external_unique")
        ]
        indexes = [models.Index(fields=["customer", "paid_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ImportKind(models.TextChoices):
    ORDERS = "orders", _("Orders")
    PAYMENTS = "payments", _("Payments")


class ImportMapping(models.Model):
    """How one source's files name their columns (导入映射): file column → Kefu field, per kind.

    Saved on each import, so the next file from the same system needs no mapping typed again.
    """

    source = models.CharField(_("source system"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=ImportKind.choices)
    columns = models.JSONField(_("columns"), default=dict, help_text=_("File column → field."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [models.UniqueConstraint(fields=["source", "kind"], name="import_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source} · {self.get_kind_display()}"


class ImportJob(models.Model):
    """One file of orders or payments being imported (导入任务): its counts, updated batch by batch,
    and the refused lines (line number, field, message) — the page polls it while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # stored, waiting for the worker
        RUNNING = "running", _("Running")  # the worker reads it batch by batch
        DONE = "done", _("Done")  # every line read (some may be refused: see errors)
        FAILED = "failed", _("Failed")  # the file could not be read at all (see failure)

    source = models.CharField(_("source system"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=300)
    data = models.BinaryField(_("file"), blank=True, default=b"", editable=False)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    done_lines = models.PositiveIntegerField(_("lines read"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("already present"), default=0)
    changed = models.PositiveIntegerField(_("changed since the last import"), default=0)
    error_count = models.PositiveIntegerField(_("lines refused"), default=0)
    errors = models.JSONField(_("refused lines"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done_lines / self.lines) if self.lines else 0
