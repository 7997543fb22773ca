"""The capture form of a manual channel: the quick capture's fields plus the channel's facts."""

from django import forms

from kefu.intake.manual.facts import FACTS, Fact
from kefu.tickets.forms import CaptureForm

PREFIX = "fact_"


def _field(fact: Fact) -> forms.Field:
    common = {"label": fact.label, "required": fact.required, "help_text": fact.help_text}
    if fact.kind == "int":
        return forms.IntegerField(min_value=1, max_value=1000, initial=1, **common)
    if fact.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(max_length=fact.max_length, **common)


class ManualCaptureForm(CaptureForm):
    """来访/来信/媒体/消协转办/部门转来: the channel is fixed by the page; its facts are fields."""

    def __init__(self, data=None, *args, channel: str, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.channel = channel
        del self.fields["channel"]
        self.facts = FACTS[channel]
        for fact in self.facts:
            self.fields[PREFIX + fact.name] = _field(fact)
        # A service's "channel_details.reference_number" is shown at the field of that fact.
        self.service_fields = {
            **CaptureForm.service_fields,
            **{f"channel_details.{fact.name}": PREFIX + fact.name for fact in self.facts},
        }

    @property
    def fact_fields(self):
        return [self[PREFIX + fact.name] for fact in self.facts]

    def service_kwargs(self) -> dict:
        self.cleaned_data["channel"] = self.channel
        kwargs = super().service_kwargs()
        kwargs["channel_details"] = {
            fact.name: self.cleaned_data.get(PREFIX + fact.name) for fact in self.facts
        }
        return kwargs


class FactsEditForm(forms.Form):
    """The facts of a recorded work order's channel, edited on their own page (渠道要素更正)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *args, channel: str, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.facts = FACTS[channel]
        for fact in self.facts:
            self.fields[PREFIX + fact.name] = _field(fact)
        self.service_fields = {f"channel_details.{fact.name}": PREFIX + fact.name for fact in self.facts}

    @property
    def fact_fields(self):
        return [self[PREFIX + fact.name] for fact in self.facts]

    def service_kwargs(self) -> dict:
        """Every fact of the channel, an empty one as null so that clearing it is an edit too."""
        return {
            "channel_details": {
                fact.name: self.cleaned_data.get(PREFIX + fact.name) or None for fact in self.facts
            }
        }
