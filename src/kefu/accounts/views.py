"""Sign-in and the organisation pages (组织架构); the role checks every app's pages share."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kefu.accounts import services, throttle, twofactor
from kefu.accounts.forms import (
    DepartmentForm,
    GroupForm,
    HolidayRangeFormSet,
    LoginForm,
    SkillForm,
    StaffForm,
    TwoFactorCodeForm,
    WorkdayFormSet,
    report_domain_error,
)
from kefu.accounts.models import AgentGroup, Department, Role, Skill, TwoFactor, User
from kefu.core import holidays
from kefu.core.calendars import package_covers_year
from kefu.core.errors import DomainError
from kefu.crm.handover import can_hand_over, held_counts


def role_required(test: Callable[[User], bool]):
    """Signed in (else the login page) and passing `test` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise HttpForbidden(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_center_staff(user: User) -> bool:
    return user.is_center_staff


def is_lead(user: User) -> bool:
    return user.is_lead


def sees_customers(user: User) -> bool:
    """Service-center staff and QA inspectors; department staff see only the work dispatched to them."""
    return user.is_center_staff or user.role == Role.QA


def has_inbox(user: User) -> bool:
    """Department staff, and anyone (a head, a member) of a department other than the service center."""
    if user.role == Role.DEPARTMENT_STAFF:
        return True
    return user.department_id is not None and not user.department.is_service_center


center_staff_required = role_required(is_center_staff)
lead_required = role_required(is_lead)
org_manager_required = role_required(services.can_manage_org)


PENDING_USER = "kefu_2fa_user"  # session keys between the password and the second factor
PENDING_BACKEND = "kefu_2fa_backend"
PENDING_NEXT = "kefu_2fa_next"


class LoginView(auth_views.LoginView):
    """The password; a person with two-factor sign-in on goes on to the code before being signed in."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.two_factor_of(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()  # a fresh session id for the half-signed-in state
        self.request.session[PENDING_USER] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_NEXT] = self.get_success_url()
        return redirect("login_verify")


def login_verify(request):
    """双重验证: the code from the authenticator app (or a recovery code) after the password."""
    user_id = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A wrong code is a failed sign-in of the account (lockout and back-off like passwords).
        if throttle.is_locked(request, username=user.username):
            return throttle.lockout_response(request)
        if twofactor.two_factor_check(user=user, code=form.cleaned_data["code"]):
            backend = request.session.get(PENDING_BACKEND)
            next_url = request.session.get(PENDING_NEXT) or reverse("workspace:home")
            auth_login(request, user, backend=backend)  # rotates the session, dropping the pending keys
            return redirect(next_url)
        throttle.record_failure(request, username=user.username)
        form.add_error("code", _("The code is wrong or expired; try the current one."))
    return render(request, "registration/verify.html", {"form": form}, status=400 if form.errors else 200)


def admin_login(request):
    """The admin signs in through the same page as everyone, with lockout and the second factor."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


@login_required
def two_factor_page(request):
    """Set up or turn off two-factor sign-in for oneself (administrators and managers)."""
    user = request.user
    if not twofactor.may_use_two_factor(user):
        raise HttpForbidden(_("Two-factor sign-in is for administrators and managers."))
    device = TwoFactor.objects.filter(user=user).first()
    form = TwoFactorCodeForm(request.POST or None)
    context = {"device": device, "form": form}
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "begin":
                device = twofactor.two_factor_begin(user=user)
                form = TwoFactorCodeForm()
            elif action == "confirm" and form.is_valid():
                context["recovery_codes"] = twofactor.two_factor_confirm(
                    user=user, code=form.cleaned_data["code"]
                )
                device = twofactor.two_factor_of(user)
                form = TwoFactorCodeForm()
            elif action == "disable" and form.is_valid():
                twofactor.two_factor_disable(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("two_factor")
        except DomainError as exc:
            report_domain_error(request, exc, None if action == "begin" else form)
    context.update(device=device, form=form)
    if device is not None and not device.active:
        context.update(
            secret=device.secret, uri=twofactor.otpauth_uri(device), qr=mark_safe(twofactor.qr_svg(device))
        )
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


class LogoutView(auth_views.LogoutView):
    pass


# --- organisation ------------------------------------------------------------------------------


def _org_url(tab: str) -> str:
    return f"{reverse('org:home')}?tab={tab}"


def _tree(departments: list[Department]) -> list[tuple[Department, int]]:
    """Departments depth-first under their parents, with their depth, cycle-safe."""
    children: dict[int | None, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d)
    known = {d.pk for d in departments}
    ordered, seen = [], set()

    def walk(parent_id, depth):
        for d in children.get(parent_id, []):
            if d.pk in seen:
                continue
            seen.add(d.pk)
            ordered.append((d, depth))
            walk(d.pk, depth + 1)

    walk(None, 0)
    for d in departments:  # orphans whose parent is not in the list
        if d.pk not in seen and d.parent_id not in known:
            seen.add(d.pk)
            ordered.append((d, 0))
            walk(d.pk, 1)
    return ordered


@org_manager_required
def org_home(request):
    departments = list(Department.objects.select_related("head").annotate(staff_count=Count("members")))
    staff = (
        User.objects.select_related("department", "superior")
        .prefetch_related("agent_groups", "skills")
        .order_by("-is_active", "department__name", "role", "username")
    )
    groups = AgentGroup.objects.select_related("department", "leader").prefetch_related(
        Prefetch("members", queryset=User.objects.order_by("username")), "skills"
    )
    tab = request.GET.get("tab", "departments")
    return render(
        request,
        "accounts/org_home.html",
        {
            "tab": tab,
            "tree": _tree(departments),
            "staff": staff,
            "groups": groups,
            "skills": Skill.objects.order_by("name"),
            "skill_form": SkillForm(),
            "manageable": {u.pk for u in staff if services.can_manage_user(request.user, u)},
            "hands_over": can_hand_over(request.user),  # 离职交接 (kefu.crm.handover)
        },
    )


@org_manager_required
def staff_create(request):
    form = StaffForm(request.POST or None, roles=services.assignable_roles(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                by=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                **form.service_kwargs(),
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": user.label})
            return redirect(_org_url("staff"))
    return render(request, "accounts/org_form.html", {"form": form, "title": _("New staff member")})


@org_manager_required
def staff_edit(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    if not services.can_manage_user(request.user, user):
        raise HttpForbidden(_("You may not edit %(name)s.") % {"name": user.label})
    initial = {
        "username": user.username,
        "display_name": user.display_name,
        "employee_no": user.employee_no,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "department": user.department_id,
        "superior": user.superior_id,
        "groups": list(user.agent_groups.values_list("pk", flat=True)),
        "skills": list(user.skills.values_list("pk", flat=True)),
        "is_active": user.is_active,
    }
    form = StaffForm(
        request.POST or None, initial=initial, roles=services.assignable_roles(request.user), editing=user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                by=request.user, user=user, password=form.cleaned_data["password"], **form.service_kwargs()
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": user.label})
            if not form.cleaned_data.get("is_active") and any(held_counts(user).values()):
                # Deactivated while still holding customers or work: offer the hand-over (离职交接) at once.
                if can_hand_over(request.user):
                    return redirect("handover:user", pk=user.pk)
            return redirect(_org_url("staff"))
    return render(
        request, "accounts/org_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": user.label}}
    )


def _group_page(request, group: AgentGroup | None):
    initial = {}
    if group is not None:
        initial = {
            "name": group.name,
            "department": group.department_id,
            "leader": group.leader_id,
            "members": list(group.members.values_list("pk", flat=True)),
            "skills": list(group.skills.values_list("pk", flat=True)),
        }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                group = services.group_create(by=request.user, **form.cleaned_data)
            else:
                services.group_update(by=request.user, group=group, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Group %(name)s was saved.") % {"name": group.name})
            return redirect(_org_url("groups"))
    title = _("New agent group") if group is None else _("Edit group %(name)s") % {"name": group.name}
    return render(request, "accounts/org_form.html", {"form": form, "title": title})


@org_manager_required
def group_create(request):
    return _group_page(request, None)


@org_manager_required
def group_edit(request, pk: int):
    return _group_page(request, get_object_or_404(AgentGroup, pk=pk))


def _department_page(request, department: Department | None):
    initial = {}
    if department is not None:
        initial = {
            "name": department.name,
            "code": department.code,
            "parent": department.parent_id,
            "head": department.head_id,
            "email": department.email,
            "is_service_center": department.is_service_center,
        }
    form = DepartmentForm(request.POST or None, initial=initial, editing=department)
    if request.method == "POST" and form.is_valid():
        try:
            if department is None:
                department = services.department_create(by=request.user, **form.cleaned_data)
            else:
                services.department_update(by=request.user, department=department, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Department %(name)s was saved.") % {"name": department.name})
            return redirect(_org_url("departments"))
    title = (
        _("New department")
        if department is None
        else _("Edit department %(name)s") % {"name": department.name}
    )
    return render(request, "accounts/org_form.html", {"form": form, "title": title})


@org_manager_required
def department_create(request):
    return _department_page(request, None)


@org_manager_required
def department_edit(request, pk: int):
    return _department_page(request, get_object_or_404(Department, pk=pk))


@org_manager_required
def skill_create(request):
    if request.method != "POST":
        return redirect(_org_url("groups"))
    form = SkillForm(request.POST)
    if form.is_valid():
        try:
            skill = services.skill_create(by=request.user, name=form.cleaned_data["name"])
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Skill %(name)s was added.") % {"name": skill.name})
    else:
        messages.error(request, _("Give the skill a name."))
    return redirect(_org_url("groups"))


calendar_manager_required = role_required(services.can_manage_calendars)


@calendar_manager_required
def holidays_page(request, year: int | None = None):
    """Enter a year's statutory holidays and make-up workdays (国务院节假日安排) for every calendar.

    The form starts from what was entered for the year, else from the statutory days computed by
    core.holidays (lunar festivals included) for the manager to extend as the notice says.
    """
    today = timezone.localdate()
    due = holidays.years_needing_arrangement(today)
    year = year or (due[0] if due else today.year + (today.month >= holidays.ARRANGEMENT_DUE_MONTH))
    if not 2000 <= year <= 2100:
        raise Http404(_("No holiday arrangement for that year."))
    entered, workdays = holidays.entered_arrangement(year)
    ranges = entered or holidays.statutory_holidays(year)
    holiday_forms = HolidayRangeFormSet(
        request.POST or None,
        prefix="holidays",
        initial=[{"name": r.name, "start": r.start, "end": r.end} for r in ranges],
    )
    workday_forms = WorkdayFormSet(
        request.POST or None, prefix="workdays", initial=[{"date": d, "name": n} for d, n in workdays]
    )
    if request.method == "POST" and holiday_forms.is_valid() and workday_forms.is_valid():
        off = [
            holidays.HolidayRange(f.cleaned_data["name"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in holiday_forms
            if not f.is_blank()
        ]
        work = [(f.cleaned_data["date"], f.cleaned_data["name"]) for f in workday_forms if not f.is_blank()]
        try:
            services.holiday_arrangement_save(by=request.user, year=year, holidays_off=off, workdays=work)
        except DomainError as exc:
            report_formset_errors(request, exc, holiday_forms, workday_forms)
        else:
            messages.success(
                request,
                _("The holidays of %(year)s are saved for every calendar; running deadlines were recomputed.")
                % {"year": year},
            )
            return redirect("org:holidays_year", year=year)
    return render(
        request,
        "accounts/holidays.html",
        {
            "year": year,
            "years": sorted({today.year, today.year + 1, year, *due}),
            "due": due,
            "entered": bool(entered),
            "known_to_package": package_covers_year(year),
            "holiday_forms": holiday_forms,
            "workday_forms": workday_forms,
        },
    )


def report_formset_errors(request, exc: DomainError, holiday_forms, workday_forms) -> None:
    """The service names rows as `holidays.3` / `workdays.0`: put each message on its row."""
    rows = {"holidays": holiday_forms, "workdays": workday_forms}
    for key, field_messages in (exc.errors or {}).items():
        group, _dot, index = key.partition(".")
        formset = rows.get(group)
        visible = [f for f in formset if not f.is_blank()] if formset is not None else []
        target = visible[int(index)] if index.isdigit() and int(index) < len(visible) else None
        for message in field_messages:
            if target is not None:
                target.add_error(None, message)
            else:
                messages.error(request, message)
    if not exc.errors:
        messages.error(request, exc.message)
