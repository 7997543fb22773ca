"""Message templates: validated when saved (not when sent), rendered safely, seeded defaults."""

import pytest
from django.core.exceptions import ValidationError

from kefu.notify.models import MessageTemplate, TemplateChannel, TemplateKind
from kefu.notify.templating import render, template_errors

pytestmark = pytest.mark.django_db


def test_an_unknown_variable_is_refused_when_the_template_is_saved():
    template = MessageTemplate(
        name="坏模板", kind="free", channel="sms", body="您好{customer}，工单{ticket_no}"
    )
    with pytest.raises(ValidationError) as refused:
        template.save()
    assert "body" in refused.value.message_dict
    assert "{customer}" in refused.value.message_dict["body"][0]
    assert not MessageTemplate.objects.filter(name="坏模板").exists()


def test_an_unknown_variable_in_the_email_subject_names_the_subject():
    template = MessageTemplate(name="x", kind="free", channel="email", subject="{oops}", body="{ticket_no}")
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert list(refused.value.message_dict) == ["subject"]


def test_attribute_and_index_access_are_not_variables():
    assert template_errors("{ticket_no.__class__}")
    assert template_errors("{survey_url[0]}")
    assert template_errors("{ticket_no!r}")


def test_a_lone_brace_is_refused_and_doubled_braces_are_literal():
    assert template_errors("工单 {ticket_no") != []
    assert template_errors("{{ticket_no}}") == []
    assert render("{{字面}} {ticket_no}", {"ticket_no": "TS-1"}) == "{字面} TS-1"


def test_rendering_fills_every_known_variable():
    text = "{customer_name}/{ticket_no}/{promised_time}/{result}/{survey_url}/{agent_no}"
    values = {
        "customer_name": "张女士",
        "ticket_no": "TS-1",
        "promised_time": "2026-11-24 18:00",
        "result": "已退款",
        "survey_url": "http://x/s",
        "agent_no": "agent",
    }
    assert render(text, values) == "张女士/TS-1/2026-11-24 18:00/已退款/http://x/s/agent"


def test_a_value_is_inserted_as_text_and_never_expanded_again():
    assert render("{result}", {"result": "{ticket_no}"}) == "{ticket_no}"


def test_defaults_are_seeded_for_each_notice_and_channel():
    seeded = set(MessageTemplate.objects.values_list("kind", "channel"))
    for kind in (TemplateKind.ACKNOWLEDGEMENT, TemplateKind.RESULT, TemplateKind.SURVEY):
        for channel in TemplateChannel.values:
            assert (kind, channel) in seeded
    for template in MessageTemplate.objects.all():
        assert template_errors(template.body) == [] and template_errors(template.subject) == []


def test_the_admin_form_shows_the_variable_error_on_the_field(admin_client):
    response = admin_client.post(
        "/admin/notify/messagetemplate/add/",
        {"name": "t", "kind": "free", "channel": "sms", "subject": "", "body": "{nope}", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "{nope}" in response.context["adminform"].form.errors["body"][0]


@pytest.mark.parametrize(
    ("value", "verbatim"),
    [("王芳", True), ("Tom Smith", True), ("张", True), ("李雷，", False), ("已退款。", False), (" 王芳", False),
     ("王芳\u3000", False), ("", False), ("王\n芳", False), ("。", False)],
)  # fmt: skip
def test_a_value_render_takes_as_it_is_fills_the_slot_of_a_template_rendered_once(value, verbatim):
    import re

    from kefu.notify.templating import SLOT, VERBATIM, render_with_slot

    text = "{customer_name}您好，{occasion}快乐！"
    once = render_with_slot(text, {"occasion": "生日"}, "customer_name")
    assert once == SLOT + "您好，生日快乐！"
    assert bool(re.search(VERBATIM, value)) is verbatim
    if verbatim:
        assert once.replace(SLOT, value) == render(text, {"customer_name": value, "occasion": "生日"})
