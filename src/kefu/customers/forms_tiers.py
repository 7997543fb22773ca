"""Forms of the order-import and value-tier pages (issue 14, parts 3 and 4)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import ImportKind, TierLevel


class ImportForm(forms.Form):
    source = forms.CharField(
        label=_("source system"), max_length=40, help_text=_("e.g. shop, erp: its column mapping is kept.")
    )
    kind = forms.ChoiceField(label=_("kind"), choices=ImportKind.choices)
    file = forms.FileField(label=_("file"), help_text=_("xlsx, or CSV in UTF-8 or GBK."))
    columns = forms.CharField(
        label=_("column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "订单号=external_id\n金额=amount"}),
        help_text=_("One “file column=field” a line; empty: the source's saved mapping, or the usual names."),
    )


class RungForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    rank = forms.IntegerField(label=_("rank"), min_value=0, max_value=100, help_text=_("Higher is better."))
    needs_responsible = forms.BooleanField(label=_("needs a responsible person"), required=False)
    routing_priority = forms.IntegerField(
        label=_("routing priority"),
        min_value=-3,
        max_value=3,
        help_text=_("Steps added to the priority of this tier's new work orders."),
    )


class OverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=())
    reason = forms.CharField(label=_("reason"), max_length=300)
    expires_on = forms.DateField(
        label=_("expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = TierLevel.objects.values_list("code", "name")
