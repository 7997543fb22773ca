"""Forms of the customer pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import TierLevel


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    tier = forms.ChoiceField(label=_("tier"), choices=())
    phones = forms.CharField(
        label=_("phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    emails = forms.CharField(
        label=_("emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = TierLevel.objects.values_list("code", "name")

    @staticmethod
    def _lines(value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "tier": data["tier"],
            "note": data["note"],
            "phones": self._lines(data["phones"]),
            "emails": self._lines(data["emails"]),
        }
