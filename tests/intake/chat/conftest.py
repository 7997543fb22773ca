import secrets
from datetime import UTC, datetime

import pytest

from kefu.core.calendars import clear_calendar_cache
from kefu.intake.chat import services
from tests.org import build_org

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai


@pytest.fixture
def org(db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def token() -> str:
    return secrets.token_hex(16)


def online(agent, *, now=T0, max_chats=None):
    """The agent opens the console and goes online."""
    services.agent_console(agent=agent, opened=True)
    return services.agent_set_status(agent=agent, status="online", max_chats=max_chats, now=now)


def start(now=T0, **kwargs):
    kwargs.setdefault("name", "张女士")
    return services.chat_start(token=kwargs.pop("token", None) or token(), now=now, **kwargs)
