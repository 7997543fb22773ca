"""The chat pages: the console for service-center staff only, the demo page for anyone."""

import json

import pytest
from django.test import Client

from kefu.intake.chat import services
from kefu.intake.chat.demo import chat_demo_load
from tests.intake.chat.conftest import T0, online, start

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_console_asks_visitors_to_sign_in(org):
    response = Client().get("/chat/console/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["logistics_staff", "qa"])
def test_the_console_refuses_people_outside_the_service_center(org, who):
    assert as_user(getattr(org, who)).get("/chat/console/").status_code == 403


def test_the_console_shows_status_phrases_and_the_agents_chats(org):
    chat_demo_load()
    online(org.agent)
    session = services.chat_accept(session=start(name="赵先生"), by=org.agent, now=T0)
    html = as_user(org.agent).get("/chat/console/").content.decode()
    assert "在线客服台" in html and 'data-status="online"' in html
    assert "请稍等，我马上为您查询。" in html
    snapshot = json.loads(html.split('id="chat-snapshot" type="application/json">')[1].split("</script>")[0])
    assert [chat["name"] for chat in snapshot["active"]] == ["赵先生"]
    assert snapshot["active"][0]["ticket"] == session.ticket.number


def test_the_staff_nav_links_the_chat_console_for_center_staff_only(org):
    assert 'href="/chat/console/"' in as_user(org.agent).get("/").content.decode()
    assert 'href="/chat/console/"' not in as_user(org.qa).get("/tickets/search/").content.decode()


def test_the_demo_page_embeds_the_widget_with_one_tag(db):
    html = Client().get("/chat/demo/?lang=en").content.decode()
    assert 'src="/static/chat/widget.js" data-kefu-url="http://testserver" data-lang="en"' in html


def test_the_widget_script_is_served(db):
    response = Client().get("/static/chat/widget.js")
    assert response.status_code == 200
    assert b"/ws/chat/visitor/" in b"".join(response.streaming_content)
