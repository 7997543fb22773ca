"""kefu.core.registry: the one way a higher app plugs into a lower one."""

import pytest

from kefu.core.registry import Registry


def test_a_single_slot_answers_its_default_until_an_app_registers():
    check = Registry("test.check", default=str.upper)
    assert check.get()("a") == "A"

    check.register(str.lower)

    assert check.get()("A") == "a"


def test_entries_by_key_and_a_missing_key_names_the_registry():
    senders = Registry("test.senders")
    senders.register(len, key="email")

    assert "email" in senders and "sms" not in senders
    assert senders.get("email") is len
    assert senders.get("sms", None) is None
    with pytest.raises(LookupError, match="test.senders"):
        senders.get("sms")


def test_a_fallback_never_replaces_an_entry_whatever_the_order():
    first, second = Registry("test.a"), Registry("test.b")
    first.register(min, key="email", fallback=True)
    first.register(max, key="email")
    second.register(max, key="email")
    second.register(min, key="email", fallback=True)

    assert first.get("email") is max and second.get("email") is max


def test_the_apps_fill_every_registry_at_start_up():
    from kefu.callbacks.services.surveys import survey_url
    from kefu.core import search
    from kefu.intake.email.outgoing import deliver
    from kefu.knowledge import selectors
    from kefu.notify.notices import SURVEY_URL
    from kefu.tickets.services.messages import SENDERS
    from kefu.tickets.services.tickets import CHANNEL_DETAILS_CHECK, CHANNEL_FACT_LABEL

    assert set(search.INDEXES) == {"tickets_ticket", "knowledge_article"}
    assert search.SYNONYM_SOURCE.get() is selectors.synonym_groups
    assert {"email", "portal", "sms"} <= set(SENDERS) and SENDERS.get("email") is deliver
    assert SURVEY_URL.get() is survey_url
    assert "" in CHANNEL_DETAILS_CHECK and "" in CHANNEL_FACT_LABEL
