"""Form fields for the lists kept in JSON columns, so an administrator ticks boxes or writes one item a
line instead of typing JSON (the admin's default for a JSONField), and a choice among a few rows."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _


class ChoiceListField(forms.MultipleChoiceField):
    """A list of choice values (e.g. work-order types) as checkboxes; stored as a JSON list.

    Only known values pass validation; the order of `choices` is kept, whatever order they were ticked."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value):
        chosen = set(super().clean(value))
        return [str(key) for key, _label in self.choices if str(key) in chosen]


class LinesField(forms.CharField):
    """A list of short texts, one a line (e.g. a question's answer choices); stored as a JSON list.

    Blank lines and surrounding spaces are dropped; a text given twice is kept once."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, max_item_length: int = 100, **kwargs):
        self.max_item_length = max_item_length
        kwargs.setdefault("help_text", _("One a line."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            value = "\n".join(str(item) for item in value)
        lines = []
        for line in (value or "").splitlines():
            line = line.strip()
            if line and line not in lines:
                lines.append(line)
        return lines

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        too_long = [line for line in value if len(line) > self.max_item_length]
        if too_long:
            raise forms.ValidationError(
                _("Each line may have at most %(n)d characters: %(line)s"),
                code="max_length",
                params={"n": self.max_item_length, "line": too_long[0]},
            )

    def run_validators(self, value):
        for line in value:
            super().run_validators(line)

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


class _ReadOnce(ModelChoiceIterator):
    """The choices read with one plain SELECT. Django's iterator uses `.iterator()`, which on PostgreSQL
    opens a server-side cursor (DECLARE, FETCH, CLOSE: three round trips) to spare memory that a
    handful of rows does not need."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FewRowsChoiceField(forms.ModelChoiceField):
    """A choice among a few rows (card levels, tiers): a ModelChoiceField read with one statement."""

    iterator = _ReadOnce
