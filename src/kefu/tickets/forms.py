"""Forms of the work-order pages. They parse and present; the services decide and refuse."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.accounts.forms import StaffChoiceField, active_staff
from kefu.accounts.models import AgentGroup, Department
from kefu.core import idempotency
from kefu.intake.manual.facts import MANUAL_CHANNELS
from kefu.tickets.models import Category, Channel, Priority, Severity, Status, TicketType


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.path


def categories_for(ticket_type: str | None):
    """Active categories of one type, parents first (their path is the label)."""
    qs = Category.objects.filter(is_active=True).select_related("parent__parent")
    return qs.filter(ticket_type=ticket_type) if ticket_type else qs.none()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each file's size and type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class RegisterFields(forms.Form):
    """The complaint register's fields (投诉登记), shared by capture and edit."""

    category = CategoryChoiceField(label=_("category"), queryset=Category.objects.none(), required=False)
    customer_phone = forms.CharField(
        label=_("customer phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    customer_name = forms.CharField(label=_("customer name"), max_length=100, required=False)
    customer_email = forms.CharField(
        label=_("customer email"), max_length=254, required=False, widget=forms.EmailInput()
    )
    location = forms.CharField(label=_("place / counter / shop number"), max_length=100, required=False)
    subject_person = StaffChoiceField(label=_("person complained about"), queryset=None, required=False)
    subject_department = forms.ModelChoiceField(
        label=_("department complained about"), queryset=Department.objects.all(), required=False
    )
    subject_product = forms.CharField(label=_("product complained about"), max_length=200, required=False)
    title = forms.CharField(
        label=_("summary"),
        max_length=200,
        required=False,
        help_text=_("Empty: the first line of the content."),
    )
    content = forms.CharField(
        label=_("content (the customer's own words)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    demands = forms.CharField(
        label=_("customer's demands"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.GENERAL)
    priority = forms.TypedChoiceField(
        label=_("priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )

    # Service keyword → form field, where the names differ.
    service_fields = {"attachment": "attachments", "category_id": "category"}

    def __init__(self, *args, ticket_type: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_person"].queryset = active_staff()
        self.fields["category"].queryset = categories_for(ticket_type)

    def register_kwargs(self) -> dict:
        """The cleaned fields as the services' keyword arguments."""
        data = self.cleaned_data
        return {
            "category_id": data["category"].pk if data.get("category") else None,
            "customer_phone": data["customer_phone"],
            "customer_name": data["customer_name"],
            "customer_email": data["customer_email"],
            "location": data["location"],
            "subject_person_id": data["subject_person"].pk if data.get("subject_person") else None,
            "subject_department_id": data["subject_department"].pk
            if data.get("subject_department")
            else None,
            "subject_product": data["subject_product"],
            "title": data["title"],
            "content": data["content"],
            "demands": data["demands"],
            "severity": data["severity"],
            "priority": data["priority"],
        }


class CaptureForm(RegisterFields):
    """Quick capture of a phone call or a walk-in visit (快速登记)."""

    # Walk-in, letter, media, regulator and transfer have their own pages with their facts (kefu.intake.manual).
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[c for c in Channel.choices if c[0] not in MANUAL_CHANNELS],
        initial=Channel.PHONE,
    )
    ticket_type = forms.ChoiceField(label=_("type"), choices=TicketType.choices, initial=TicketType.COMPLAINT)
    attachments = MultipleFileField(label=_("attachments"), required=False)
    accept = forms.BooleanField(
        label=_("Accept now (I am the first-contact owner)"), required=False, initial=True
    )
    form_token = idempotency.form_token_field()  # the same form posted twice records one work order
    # Set by the "save anyway" button of the likely-duplicates step (tickets/duplicates.py).
    save_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    field_order = [
        "channel",
        "ticket_type",
        "category",
        "customer_phone",
        "customer_name",
        "customer_email",
        "location",
        "subject_person",
        "subject_department",
        "subject_product",
        "title",
        "content",
        "demands",
        "severity",
        "priority",
        "attachments",
        "accept",
    ]

    def __init__(self, data=None, *args, **kwargs):
        chosen = (data or {}).get("ticket_type") or TicketType.COMPLAINT
        super().__init__(data, *args, ticket_type=chosen, **kwargs)
        # htmx: the categories follow the type; the customer card follows the phone number.
        self.fields["ticket_type"].widget.attrs.update(
            {"hx-get": reverse("tickets:categories"), "hx-target": "#id_category", "hx-trigger": "change"}
        )
        self.fields["customer_phone"].widget.attrs.update(
            {
                "hx-get": reverse("tickets:customer_lookup"),
                "hx-target": "#customer-card",
                "hx-trigger": "input changed delay:400ms, change",
                "hx-sync": "this:replace",
            }
        )
        self.fields["content"].widget.attrs["required"] = True

    def service_kwargs(self) -> dict:
        return {
            **self.register_kwargs(),
            "channel": self.cleaned_data["channel"],
            "ticket_type": self.cleaned_data["ticket_type"],
            "accept": self.cleaned_data["accept"],
        }


class EditForm(RegisterFields):
    """Edit the register of an existing work order, against the version the editor read."""

    group = forms.ModelChoiceField(label=_("group"), queryset=AgentGroup.objects.all(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    service_fields = {**RegisterFields.service_fields, "group_id": "group"}

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket_type=ticket.ticket_type, **kwargs)
        self.fields["title"].required = True
        self.fields["title"].help_text = ""
        self.fields["content"].widget.attrs["required"] = True

    def service_kwargs(self) -> dict:
        return {
            **self.register_kwargs(),
            "group_id": self.cleaned_data["group"].pk if self.cleaned_data["group"] else None,
        }


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    customer_reply = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ResolveForm(TransitionForm):
    """办结: the internal note and, apart from it, the reply the customer is told (the service
    requires it: workflow.Effects.customer_reply). Its own ids: the page shows it beside the buttons."""

    note = forms.CharField(
        label=_("internal note"),
        required=False,
        help_text=_("Staff only: the timeline and this page. Never sent to the customer."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    customer_reply = forms.CharField(
        label=_("reply to the customer"),
        required=False,
        help_text=_("Sent by SMS or email and shown on the portal and the survey page."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "resolve_%s")
        super().__init__(*args, **kwargs)


class DispatchForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("departments"),
        queryset=Department.objects.filter(is_service_center=False),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    deadline = forms.DateTimeField(
        label=_("deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    instructions = forms.CharField(
        label=_("instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    service_fields = {"department_ids": "departments"}


class MergeForm(forms.Form):
    into = forms.CharField(label=_("merge into work order number"), max_length=32)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    """An answer to the customer; it leaves by the chosen channel (phone, walk-in and letter are recorded)."""

    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    subject = forms.CharField(label=_("subject"), max_length=255, required=False)
    body_text = forms.CharField(
        label=_("reply to the customer"), max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("reason for escalating"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachForm(forms.Form):
    attachments = MultipleFileField(label=_("attachments"))

    service_fields = {"attachment": "attachments"}


class DispatchAnswerForm(forms.Form):
    """A department's reply with the result, or its reason for sending the work order back."""

    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    service_fields = {"reply": "text", "reason": "text", "return_reason": "text", "dispatch": "text"}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False)
    ticket_type = forms.ChoiceField(label=_("type"), required=False)
    channel = forms.ChoiceField(label=_("channel"), required=False)
    severity = forms.ChoiceField(label=_("severity"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("any"))]
        self.fields["status"].choices = any_ + list(Status.choices)
        self.fields["ticket_type"].choices = any_ + list(TicketType.choices)
        self.fields["channel"].choices = any_ + list(Channel.choices)
        self.fields["severity"].choices = any_ + list(Severity.choices)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", ""),
            "status": data.get("status", ""),
            "ticket_type": data.get("ticket_type", ""),
            "channel": data.get("channel", ""),
            "severity": data.get("severity", ""),
        }
