"""Forms of the sign-in and organisation pages, and the one place domain errors meet forms."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import AgentGroup, Department, Role, Skill, User
from kefu.core.errors import DomainError, StaleVersion


def report_domain_error(request, exc: DomainError, form: forms.Form | None = None) -> None:
    """Show a service's refusal: each field error at its form field, the rest as a message.

    Services name fields as their keyword arguments (`category_id`, `department_ids`); a form's field
    is found by that name, or without the `_id`/`_ids` suffix, or in the form's `service_fields` map.
    A stale version keeps nothing: it is a message only, the page is reloaded by the caller.
    """
    unplaced: list[str] = []
    if form is not None and not isinstance(exc, StaleVersion):
        aliases = getattr(form, "service_fields", {})
        for key, field_messages in (exc.errors or {}).items():
            name = aliases.get(key) or next(
                (n for n in (key, key.removesuffix("_ids"), key.removesuffix("_id")) if n in form.fields),
                None,
            )
            for message in field_messages:
                if name is not None:
                    form.add_error(name, message)
                else:
                    unplaced.append(f"{key}: {message}" if key not in ("__all__", "") else message)
        if not exc.errors:
            form.add_error(None, exc.message)
        for message in unplaced:
            form.add_error(None, message)
        return
    details = [m for key, ms in (exc.errors or {}).items() for m in ms]
    text = exc.message if not details or exc.message in details else f"{exc.message} {' '.join(details)}"
    messages.error(request, text)


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.label} ({obj.get_role_display()})"


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.label


def active_staff():
    return User.objects.filter(is_active=True).order_by("role", "display_name", "username")


class StaffForm(forms.Form):
    """Create or edit a staff member; the role choices are those the editor may give."""

    username = forms.CharField(label=_("username"), max_length=150)
    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )
    display_name = forms.CharField(label=_("display name"), max_length=50, required=False)
    employee_no = forms.CharField(label=_("employee number (工号)"), max_length=20, required=False)
    email = forms.EmailField(label=_("email"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.all(), required=False
    )
    superior = StaffChoiceField(label=_("superior"), queryset=User.objects.none(), required=False)
    groups = forms.ModelMultipleChoiceField(
        label=_("agent groups"),
        queryset=AgentGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, roles: list[str], editing: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(roles)
        if editing is not None:
            allowed.add(editing.role)  # the current role stays selectable; changing it is checked
            self.fields["username"].disabled = True
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""
        rules = _("At least %(count)s characters, not a common or all-digit password, not like the name.") % {
            "count": settings.KEFU_PASSWORD_MIN_LENGTH
        }
        self.fields["password"].help_text = f"{rules} {self.fields['password'].help_text}".strip()
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        superiors = active_staff()
        if editing is not None:
            superiors = superiors.exclude(pk=editing.pk)
        self.fields["superior"].queryset = superiors

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "display_name": data["display_name"],
            "employee_no": data["employee_no"],
            "email": data["email"],
            "phone": data["phone"],
            "department": data["department"],
            "superior": data["superior"],
            "groups": data["groups"],
            "skills": data["skills"],
            "is_active": data["is_active"],
        }


class GroupForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.all(), required=False
    )
    leader = StaffChoiceField(label=_("leader"), queryset=User.objects.none(), required=False)
    members = StaffMultipleChoiceField(
        label=_("members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = active_staff().exclude(role=Role.DEPARTMENT_STAFF)
        self.fields["members"].queryset = active_staff().filter(role__in=[Role.AGENT, Role.SUPERVISOR])


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.SlugField(label=_("code"), max_length=50)
    parent = forms.ModelChoiceField(label=_("parent"), queryset=Department.objects.all(), required=False)
    head = StaffChoiceField(label=_("head"), queryset=User.objects.none(), required=False)
    email = forms.EmailField(label=_("email"), required=False)
    is_service_center = forms.BooleanField(label=_("is the service center"), required=False)

    def __init__(self, *args, editing: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = active_staff()
        if editing is not None:
            self.fields["parent"].queryset = Department.objects.exclude(pk=editing.pk)


class SkillForm(forms.Form):
    name = forms.CharField(label=_("new skill"), max_length=50)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The six digits the authenticator app shows, or one of your recovery codes."),
    )


class DateInput(forms.DateInput):
    """The browser's date picker: its value is always ISO (2027-02-05), whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class _OptionalRowForm(forms.Form):
    """A formset row that may be left (or made) wholly empty; a half-filled row names what is missing."""

    needed: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        if any(data.get(name) for name in self.fields) or self.errors:
            for name in self.needed:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.fields)


class HolidayRangeForm(_OptionalRowForm):
    """One holiday of the annual arrangement: its name and its days off, first to last."""

    needed = ("name", "start", "end")
    name = forms.CharField(label=_("holiday"), max_length=100, required=False)
    start = forms.DateField(label=_("first day off"), widget=DateInput, required=False)
    end = forms.DateField(label=_("last day off"), widget=DateInput, required=False)


class WorkdayForm(_OptionalRowForm):
    """A make-up workday (调休上班), usually a Saturday or Sunday next to a holiday."""

    needed = ("date",)
    date = forms.DateField(label=_("make-up workday"), widget=DateInput, required=False)
    name = forms.CharField(label=_("for"), max_length=100, required=False)


HolidayRangeFormSet = forms.formset_factory(HolidayRangeForm, extra=2)
WorkdayFormSet = forms.formset_factory(WorkdayForm, extra=3)
