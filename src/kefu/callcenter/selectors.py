"""Reads shared by the CTI link, the importers, the API and the work-order page."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from kefu.callcenter.models import CallRecord
from kefu.customers.models import CustomerPhone
from kefu.customers.phones import phone_key as valid_phone_key

# "SIP/1001", "PJSIP/1001-0000002a", "Local/1001@from-queue/n", "Agent/1001" → "1001".
_TECH = re.compile(r"^(?:[A-Za-z0-9_]+)/")


def agent_code(raw: str) -> str:
    """The agent's name or extension without the PBX's channel technology, context and channel suffix."""
    code = (raw or "").strip()
    if code.upper() == "NONE":
        return ""
    if _TECH.match(code):
        code = _TECH.sub("", code, count=1)
        code = code.split("@", 1)[0]
        # A channel name carries a sequence suffix ("1001-0000002a"); an extension does not.
        code = re.sub(r"-[0-9a-fA-F]{6,}$", "", code)
    return code


class AgentDirectory:
    """Agent look-up by extension (AgentLine), username or employee number, loaded once.

    Importers resolve hundreds of thousands of lines against it, so it is a dict, not a query per line.
    """

    def __init__(self):
        from kefu.callcenter.models import AgentLine

        by_code: dict[str, int] = {}
        for user_id, username, employee_no in (
            get_user_model().objects.filter(is_active=True).values_list("id", "username", "employee_no")
        ):
            if employee_no:
                by_code.setdefault(employee_no, user_id)
            by_code[username] = user_id  # a username beats an employee number that looks the same
        for user_id, extension in AgentLine.objects.values_list("user_id", "extension"):
            by_code[extension] = user_id  # the extension is what a PBX sends; it wins
        self.by_code = by_code
        self._resolved: dict[str, int | None] = {}  # raw PBX string → user id; a log names few agents

    def user_id(self, raw: str) -> int | None:
        try:
            return self._resolved[raw]
        except KeyError:
            code = agent_code(raw)
            found = self._resolved[raw] = self.by_code.get(code) if code else None
            return found


def agent_for(raw: str):
    """The active user a PBX's agent string names, or None (one or two queries; for the CTI link)."""
    from kefu.callcenter.models import AgentLine

    code = agent_code(raw)
    if not code:
        return None
    line = AgentLine.objects.select_related("user").filter(extension=code, user__is_active=True).first()
    if line:
        return line.user
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(username=code).first() or users.filter(employee_no=code).order_by("id").first()


def customer_ids_by_phone(numbers) -> dict[str, int]:
    """normalized phone → the customer holding it (the oldest, as kefu.customers' look-up picks).

    Only valid numbers are looked up: a short extension or `anonymous` links no customer."""
    wanted = {n for n in numbers if n and valid_phone_key(n) == n}
    found: dict[str, int] = {}
    if not wanted:
        return found
    wanted_list = sorted(wanted)
    for i in range(0, len(wanted_list), 900):  # SQLite's variable limit
        rows = CustomerPhone.objects.filter(number__in=wanted_list[i : i + 900]).values_list(
            "number", "customer_id"
        )
        for number, customer_id in sorted(rows, key=lambda r: r[1]):
            found.setdefault(number, customer_id)
    return found


def calls_of_ticket(ticket) -> QuerySet:
    return CallRecord.objects.filter(ticket=ticket).select_related("agent").order_by("-arrived_at")


def calls_of_customer(customer_id: int, limit: int = 50) -> QuerySet:
    return (
        CallRecord.objects.filter(customer_id=customer_id)
        .select_related("agent", "ticket")
        .order_by("-arrived_at")[:limit]
    )


def phone_key(raw: str) -> str:
    """What a call keeps of its caller id: the stored form of a valid number (so it matches the
    customer's record and work orders), else the PBX's own string as it came (an internal extension,
    `anonymous`), which matches no customer."""
    return valid_phone_key(raw) or (raw or "").strip()[:40]
