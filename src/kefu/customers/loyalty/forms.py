"""Forms of the loyalty pages: redeem, correct, ask for a card, decide an application, a period."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.formfields import FewRowsChoiceField
from kefu.customers.models import CardLevel


class PointsForm(forms.Form):
    points = forms.IntegerField(label=_("points"))
    reason = forms.CharField(label=_("reason"), max_length=300)


class CardRequestForm(forms.Form):
    level = FewRowsChoiceField(label=_("card level"), queryset=CardLevel.objects.all())
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class DecideForm(forms.Form):
    approve = forms.ChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))])
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class PeriodForm(forms.Form):
    """A statement's period: local days, the current year by default."""

    start = forms.DateField(label=_("from"), required=False)
    end = forms.DateField(label=_("until"), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or date(today.year, 1, 1)
        data["end"] = data.get("end") or today
        if data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data
