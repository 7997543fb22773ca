"""Organisation: departments in a tree, staff with roles and superiors, agent groups and skills."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent (客服代表)")
    SUPERVISOR = "supervisor", _("Supervisor (主管)")
    MANAGER = "manager", _("Manager (经理)")
    GENERAL_MANAGER = "general_manager", _("General manager (总经理)")
    QA = "qa", _("QA inspector (质检员)")
    DEPARTMENT_STAFF = "department_staff", _("Department staff (协同部门)")
    ADMIN = "admin", _("Administrator (管理员)")


# Rank on the escalation ladder (agent → supervisor → manager → general manager).
LADDER_RANK = {
    Role.AGENT: 1,
    Role.DEPARTMENT_STAFF: 1,
    Role.QA: 1,
    Role.SUPERVISOR: 2,
    Role.MANAGER: 3,
    Role.GENERAL_MANAGER: 4,
    Role.ADMIN: 0,
}
CENTER_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
LEAD_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
OVERSIGHT_ROLES = LEAD_ROLES | {Role.QA}


class Department(models.Model):
    """部门: a node of the organisation tree; the service center is one of them."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    head = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head"),
    )
    is_service_center = models.BooleanField(_("is the service center"), default=False)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Department"]:
        """Parents from the nearest up to the root (cycle-safe)."""
        chain, seen, node = [], {self.pk}, self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class Skill(models.Model):
    """技能: what an agent can handle (a language, a product line, complaints...)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """员工: anyone who signs in. Customers are not users."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT, db_index=True)
    employee_no = models.CharField(_("employee number (工号)"), max_length=20, blank=True)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    superior = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("superior"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="users", verbose_name=_("skills"))

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def rank(self) -> int:
        return LADDER_RANK.get(self.role, 0)

    @property
    def is_lead(self) -> bool:
        return self.role in LEAD_ROLES

    @property
    def is_center_staff(self) -> bool:
        return self.role in CENTER_ROLES

    def above(self) -> "User | None":
        """Who is above this person: the superior, else the head of the department or of a parent."""
        if self.superior_id and self.superior_id != self.pk:
            return self.superior
        dept = self.department
        candidates = [dept, *dept.ancestors()] if dept else []
        for d in candidates:
            if d.head_id and d.head_id != self.pk:
                return d.head
        return None

    def chain_above(self) -> list["User"]:
        """Every person above, nearest first, without loops."""
        chain, seen, node = [], {self.pk}, self.above()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.above()
        return chain


class AgentGroup(models.Model):
    """客服组: agents who share a queue; an agent sees the work of their own groups only."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="agent_groups", null=True, blank=True
    )
    leader = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_groups"
    )
    members = models.ManyToManyField(User, blank=True, related_name="agent_groups", verbose_name=_("members"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="groups")

    class Meta:
        verbose_name = _("agent group")
        verbose_name_plural = _("agent groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        raw = "kf_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], digest=cls.hash(raw))
        return token, raw


class TwoFactor(models.Model):
    """A person's TOTP second factor (双重验证): the shared secret, and digests of the recovery codes.

    Inactive until the first code confirms it (confirmed_at); last_step refuses a code used once
    within its 30 s window again.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    recovery_digests = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("two-factor sign-in")
        verbose_name_plural = _("two-factor sign-ins")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None
