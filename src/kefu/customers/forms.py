"""Forms of the customer pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import CENTER_ROLES, User
from kefu.customers.models import (
    BirthdayCalendar,
    Customer,
    CustomFieldKind,
    Gender,
    Kind,
    Relationship,
    Source,
    TierFlag,
    TierLevel,
)
from kefu.customers.record import custom_fields


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _words(value: str) -> list[str]:
    """Tags or flags typed in one box: separated by commas (, or ，), 、 or new lines."""
    for sep in ("，", "、", "\n"):
        value = (value or "").replace(sep, ",")
    return [w.strip() for w in value.split(",") if w.strip()]


class CustomerForm(forms.Form):
    """The customer file (客户档案) as one form; `customer_update` checks it (field errors by name)."""

    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices, required=False)
    tier = forms.ChoiceField(label=_("tier"), choices=())
    organisation = forms.TypedChoiceField(
        label=_("organisation"), required=False, coerce=int, empty_value=None, choices=()
    )
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
    gender = forms.ChoiceField(label=_("gender"), choices=Gender.choices, required=False)
    birthday_calendar = forms.ChoiceField(
        label=_("birthday calendar"), choices=BirthdayCalendar.choices, required=False
    )
    birth_year = forms.IntegerField(label=_("year of birth"), required=False)
    birth_month = forms.IntegerField(label=_("birthday month"), required=False)
    birth_day = forms.IntegerField(label=_("birthday day"), required=False)
    birthday_leap_month = forms.BooleanField(label=_("leap month (闰月)"), required=False)
    company = forms.CharField(label=_("company"), max_length=200, required=False)
    industry = forms.CharField(label=_("industry"), max_length=100, required=False)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    interests = forms.CharField(
        label=_("interests"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    relationship = forms.TypedChoiceField(
        label=_("relationship level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *Relationship.choices],
    )
    tags = forms.CharField(
        label=_("tags"),
        required=False,
        help_text=_("Type to add; separate with commas."),
        widget=forms.TextInput(attrs={"list": "customer-tags", "autocomplete": "off"}),
    )
    owner = forms.TypedChoiceField(
        label=_("responsible person"), required=False, coerce=int, empty_value=None, choices=()
    )
    source = forms.ChoiceField(label=_("source"), required=False, choices=[("", "—"), *Source.choices])
    referred_by = forms.IntegerField(
        label=_("referred by"),
        required=False,
        min_value=1,
        help_text=_("The referring customer's number (id)."),
    )
    customer_since = forms.DateField(
        label=_("customer since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    flags = forms.MultipleChoiceField(
        label=_("flags"),
        required=False,
        choices=TierFlag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Set by hand; the value tiers read them."),
    )
    consent_phone = forms.BooleanField(label=_("may be called"), required=False)
    consent_sms = forms.BooleanField(label=_("may receive SMS"), required=False)
    consent_email = forms.BooleanField(label=_("may receive email"), required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    RECORD_FIELDS = (
        "kind",
        "gender",
        "birthday_calendar",
        "birth_year",
        "birth_month",
        "birth_day",
        "birthday_leap_month",
        "company",
        "industry",
        "address",
        "interests",
        "relationship",
        "owner",
        "source",
        "referred_by",
        "customer_since",
        "consent_phone",
        "consent_sms",
        "consent_email",
        "organisation",
    )

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = TierLevel.objects.values_list("code", "name")
        organisations = Customer.objects.filter(kind=Kind.ORGANISATION, anonymised_at__isnull=True)
        if customer is not None:
            organisations = organisations.exclude(pk=customer.pk)
        self.fields["organisation"].choices = [
            ("", "—"),
            *organisations.order_by("name").values_list("pk", "name"),
        ]
        staff = User.objects.filter(is_active=True, role__in=CENTER_ROLES).order_by("username")
        self.fields["owner"].choices = [("", "—"), *((u.pk, u.label) for u in staff)]
        self.custom = custom_fields()
        self.service_fields = {}
        for field in self.custom:
            name = f"custom_{field.code}"
            self.service_fields[f"custom.{field.code}"] = name
            if field.kind == CustomFieldKind.CHOICE:
                form_field = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in field.choices)])
            elif field.kind == CustomFieldKind.DATE:
                form_field = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}))
            else:
                form_field = forms.CharField(max_length=500)
            # The service checks values (record.custom_values_clean), so its messages name the field.
            form_field.required = False
            form_field.label = field.label
            if field.required:
                form_field.widget.attrs["required"] = True
            self.fields[name] = form_field

    @classmethod
    def initial_for(cls, customer: Customer) -> dict:
        initial = {f: getattr(customer, f) for f in cls.RECORD_FIELDS if f not in ("owner", "organisation")}
        initial.update(
            name=customer.name,
            tier=customer.tier_id,
            note=customer.note,
            owner=customer.owner_id,
            organisation=customer.organisation_id,
            referred_by=customer.referred_by_id,
            phones="\n".join(p.number for p in customer.phones.all()),
            emails="\n".join(e.address for e in customer.emails.all()),
            tags=", ".join(t.name for t in customer.tags.all()),
            flags=list(customer.flags),
        )
        initial.update({f"custom_{code}": value for code, value in customer.custom.items()})
        return initial

    def custom_bound_fields(self) -> list:
        return [self[f"custom_{f.code}"] for f in self.custom]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {f: data[f] for f in self.RECORD_FIELDS}
        for field in ("kind", "birthday_calendar"):  # left as they are when the form does not say
            if not kwargs[field]:
                del kwargs[field]
        kwargs.update(
            name=data["name"],
            tier=data["tier"],
            note=data["note"],
            phones=_lines(data["phones"]),
            emails=_lines(data["emails"]),
            tags=_words(data["tags"]),
            flags=list(data["flags"]),
            custom={f.code: data.get(f"custom_{f.code}") or None for f in self.custom},
        )
        return kwargs


class MergeForm(forms.Form):
    remove = forms.IntegerField(
        label=_("merge this record into the other"), min_value=1, widget=forms.HiddenInput
    )


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("The request it answers, e.g. the customer's letter of 3 May."),
    )
