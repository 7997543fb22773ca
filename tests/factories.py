"""factory-boy factories: the smallest valid rows; tests say what matters to them."""

from datetime import time

import factory
from django.utils import timezone

from kefu.accounts.models import AgentGroup, Department, Role, User
from kefu.core.models import BusinessCalendar, Shift
from kefu.customers.models import Customer, CustomerPhone
from kefu.tickets.models import Category, SlaPolicy, TicketType


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"dept-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    # factory-boy splits keywords on "__", so a post-generation hook cannot end in "_" (`groups_=`
    # became "groups___" and failed); `agent_groups=` is the hook, `groups_=` stays as an alias.
    @factory.post_generation
    def agent_groups(self, create, extracted, **kwargs):
        if create and extracted:
            for group in extracted:
                group.members.add(self)
        if create:
            self.save()

    @classmethod
    def create(cls, **kwargs):
        if "groups_" in kwargs:
            kwargs["agent_groups"] = kwargs.pop("groups_")
        return super().create(**kwargs)


class AgentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGroup

    name = factory.Sequence(lambda n: f"客服{n}组")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"顾客{n}")

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        if create and extracted:
            CustomerPhone.objects.create(customer=self, number=extracted)


class CalendarFactory(factory.django.DjangoModelFactory):
    """Weekdays 09:00–18:00 with Chinese holidays (the default calendar)."""

    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"日历{n}")
    is_default = True

    @factory.post_generation
    def shifts(self, create, extracted, **kwargs):
        if not create:
            return
        for name, start, end in extracted or [("白班", time(9), time(18))]:
            Shift.objects.create(calendar=self, name=name, start=start, end=end)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    ticket_type = TicketType.COMPLAINT
    name = factory.Sequence(lambda n: f"分类{n}")


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"策略{n}")
    calendar = factory.SubFactory(CalendarFactory)
    first_response_minutes = 30
    resolution_minutes = 24 * 60
    callback_minutes = 24 * 60


def aware(*args) -> "timezone.datetime":
    """An aware datetime in the center's time zone: aware(2026, 11, 23, 10, 0)."""
    return timezone.make_aware(timezone.datetime(*args))
