"""Forms of the care calendar and the hand-over pages (kefu.crm)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.core.holidays import GREETING_DAYS, GREETING_NAMES
from kefu.crm.care import CARE_RULE_FIELDS
from kefu.crm.models import CareRule
from kefu.customers.models import TierLevel
from kefu.notify.models import MessageTemplate


class CareRuleForm(forms.ModelForm):
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every tier."),
    )
    holidays = forms.MultipleChoiceField(
        label=_("Festivals"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CareRule
        fields = list(CARE_RULE_FIELDS)  # what the service lets a manager edit, in the form's order
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].choices = [(t.code, t.name) for t in TierLevel.objects.order_by("-rank", "code")]
        self.fields["holidays"].choices = [(key, GREETING_NAMES[key]) for key in GREETING_DAYS]
        self.fields["template"].queryset = MessageTemplate.objects.filter(is_active=True)

    def _post_clean(self):
        pass  # the service checks the rule (kefu.crm.care.rule_errors) and names the fields

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


def colleague_field(label, required=False):
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=User.objects.filter(is_active=True).order_by("username"),
        empty_label=_("— the colleague above —") if not required else "---------",
    )


class HandoverForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("Hand everything to"), required=False, queryset=User.objects.filter(is_active=True)
    )
    customers_to = colleague_field(_("Customers to"))
    tickets_to = colleague_field(_("Open work orders to"))
    callbacks_to = colleague_field(_("Callback tasks to"))
    chats_to = colleague_field(_("Active chats to"))
    notify_customers = forms.BooleanField(
        label=_("Tell the customers who looks after them now"), required=False
    )
    template = forms.ModelChoiceField(
        label=_("Message to the customers"),
        required=False,
        queryset=MessageTemplate.objects.filter(is_active=True),
    )
    deactivate = forms.BooleanField(label=_("Deactivate the account"), required=False, initial=True)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        colleagues = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")
        for name in ("to", "customers_to", "tickets_to", "callbacks_to", "chats_to"):
            self.fields[name].queryset = colleagues
            self.fields[name].label_from_instance = lambda u: u.label
