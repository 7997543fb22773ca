"""Portal forms. They parse and present; the services decide and refuse."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kefu.core import idempotency
from kefu.intake.portal.models import Rating
from kefu.intake.portal.services import attachment_errors
from kefu.tickets.forms import MultipleFileField, MultipleFileInput
from kefu.tickets.models import TicketType

ACCEPT = "image/*,audio/*,video/*,.pdf,.txt,.doc,.docx,.xls,.xlsx,.zip"
TYPE_CHOICES = [
    (TicketType.CONSULTATION.value, _("Consultation")),
    (TicketType.COMPLAINT.value, _("Complaint")),
    (TicketType.SUGGESTION.value, _("Suggestion")),
]


def _files_field(label):
    return MultipleFileField(
        label=label,
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_(
            "Up to %(n)s files of at most %(mb)s MB each: pictures, audio, video, PDF, Office, text, zip."
        )
        % {"n": settings.KEFU_PORTAL_MAX_FILES, "mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)},
    )


class FilesMixin:
    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        problems = attachment_errors(files)
        if problems:
            raise forms.ValidationError(problems)
        return files


class ChallengeMixin:
    """Adds the arithmetic question when the view says the visitor must answer it."""

    def add_challenge(self, challenge: dict | None):
        self.challenge = challenge
        if challenge is None:
            return
        self.fields["challenge_answer"] = forms.IntegerField(
            label=_("What is %(question)s?") % {"question": challenge["question"]},
            required=True,
            help_text=_("A small check that you are a person."),
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        )


class SubmitForm(FilesMixin, ChallengeMixin, forms.Form):
    ticket_type = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=TYPE_CHOICES,
        initial=TicketType.COMPLAINT,
        widget=forms.RadioSelect,
    )
    customer_name = forms.CharField(label=_("Your name"), max_length=100)
    customer_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("We call you on it; with the number of the work order it lets you track it."),
    )
    customer_email = forms.EmailField(label=_("Email (optional)"), max_length=254, required=False)
    location = forms.CharField(label=_("Place or shop number (optional)"), max_length=100, required=False)
    content = forms.CharField(
        label=_("What happened"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    demands = forms.CharField(
        label=_("What you would like us to do (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    form_token = idempotency.form_token_field()  # sent twice (a double tap, Back): one work order

    def __init__(self, *args, challenge: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _files_field(_("Pictures or documents (optional)"))
        self.add_challenge(challenge)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "ticket_type": data["ticket_type"],
            "customer_name": data["customer_name"],
            "customer_phone": data["customer_phone"],
            "customer_email": data["customer_email"],
            "location": data["location"],
            "content": data["content"],
            "demands": data["demands"],
            "files": data["attachments"],
        }


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Work-order number"), max_length=32)
    phone = forms.CharField(
        label=_("The phone you gave"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class AddInfoForm(FilesMixin, forms.Form):
    body_text = forms.CharField(
        label=_("Add information"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    service_fields = {"attachment": "attachments"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _files_field(_("Files (optional)"))


class RatingForm(forms.Form):
    score = forms.ChoiceField(
        label=_("How satisfied are you?"), choices=Rating.Score.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
