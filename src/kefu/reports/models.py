"""What the reports need stored beside the records they read."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversionCode(models.Model):
    """转化结果码: a call's wrap-up code (CallRecord.wrapup_code, as the PBX or the agent's CTI gives
    it) that means the customer was converted — a sale, a booking, a signed renewal. Kefu records no
    other outcome of a contact, so the conversion rate (服务统计) counts the answered calls closed with
    one of these codes; the administrator chooses them, and with none chosen the rate has no value."""

    code = models.CharField(_("wrap-up code"), max_length=80, unique=True)
    name = models.CharField(_("meaning"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("conversion code")
        verbose_name_plural = _("conversion codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
