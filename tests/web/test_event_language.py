"""Pages in the reader's language: the timeline's system sentences, the board's escalation reasons and
the admin's app names read in Chinese for a zh-hans reader and in English for an English one."""

import re

import pytest

from kefu.tickets.services import ticket_escalate_manually, ticket_update
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def timeline_texts(html: str) -> list[str]:
    """The system's sentences on a work-order page (not the notes people typed)."""
    return re.findall(r'<div class="ev-text">(.*?)</div>', html)


def get(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


def test_the_same_event_reads_in_chinese_and_in_english_on_the_page(org, as_user):
    ticket = make_ticket(org, subject_person_id=org.other_agent.pk)
    client = as_user(org.supervisor)

    chinese = timeline_texts(get(client, f"/tickets/{ticket.number}/", "zh-hans"))
    english = timeline_texts(get(client, f"/tickets/{ticket.number}/", "en"))

    name, head = org.other_agent.label, org.supervisor.label
    assert chinese == [f"投诉 {name}：转交其上级处理", f"{name} 是被投诉人，已回避；改由 {head} 接办。"]
    assert english == [
        f"Complaint about {name}: sent to their superior",
        f"{name} is the person complained about and is kept out of it (recusal); {head} receives it instead.",
    ]


def test_the_board_says_why_each_work_order_was_escalated(org, as_user):
    about_agent = make_ticket(org, accept=True, subject_person_id=org.other_agent.pk, title="投诉员工")
    by_hand = make_ticket(org, accept=True, title="顾客坚持")
    ticket_escalate_manually(ticket=by_hand, by=org.agent, note="顾客要求主管处理")
    client = as_user(org.supervisor)

    chinese = get(client, "/board/", "zh-hans")
    english = get(client, "/board/", "en")

    assert about_agent.number in chinese and f"投诉 {org.other_agent.label}：转交其上级处理" in chinese
    assert f"由 {org.agent.label} 人工升级" in chinese
    assert f"Complaint about {org.other_agent.label}: sent to their superior" in english
    assert f"Raised by hand by {org.agent.label}" in english
    # the complaint is not called a manual escalation: exactly one row says "by hand", the manual one
    assert english.count("Raised by hand") == 1


def test_the_escalations_table_of_the_page_names_the_reason(org, as_user):
    ticket = make_ticket(org, subject_person_id=org.other_agent.pk)
    html = get(as_user(org.supervisor), f"/tickets/{ticket.number}/", "en")
    table = html[html.index("Escalations") :]
    assert f"Complaint about {org.other_agent.label}" in table


def test_a_changed_choice_shows_its_label_in_the_readers_language(org, as_user):
    ticket = make_ticket(org)
    ticket_update(ticket=ticket, by=org.agent, version=ticket.version, severity="major")
    client = as_user(org.agent)

    english = get(client, f"/tickets/{ticket.number}/", "en")
    chinese = get(client, f"/tickets/{ticket.number}/", "zh-hans")

    assert "General (一般) → Major (重大)" in english and "general → major" not in english
    assert "一般 → 重大" in chinese


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_names_every_app_in_the_readers_language(admin_client, language):
    html = get(admin_client, "/admin/", language)
    names = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>(.*?)</a>', html)
    assert len(names) >= 10
    if language == "zh-hans":
        assert [n for n in names if not CHINESE.search(n)] == []
    else:
        assert [n for n in names if CHINESE.search(n)] == []
