"""Every message template, filled with the values a real work order gives it, reads as clean text in
both languages: no doubled punctuation ("。。", "，。", ".."), no markup (HTML tags, unrendered {{ }} or
{variables}), and never the internal note."""

import re

import pytest
from django.utils import translation

from kefu.demo.data import CUSTOMER_REPLY
from kefu.notify.models import MessageTemplate
from kefu.notify.notices import notice_values
from kefu.notify.templating import render
from kefu.tickets.models import Ticket
from tests.tickets.helpers import perform, ticket_in

pytestmark = pytest.mark.django_db

#: Replies as agents type them: a whole sentence, none, a trailing comma or colon, several lines,
#: English; and the demo's own.
REPLIES = [
    CUSTOMER_REPLY,
    "已为您补发快递。",
    "已为您补发快递",
    "已为您补发快递！",
    "已退款，",
    "退款已到账：",
    "已为您补发快递。\n如有问题请致电。",
    "We have sent you a new one.",
    "Refunded in full",
    "",
]
NAMES = ["张女士", "Ms. Li", ""]
LANGUAGES = ["zh-hans", "en"]

MARKS = "。，、；：！？.,;!?"
DOUBLED = re.compile(rf"[{MARKS}]\s*[{MARKS}]")
MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|\{|\}")
INTERNAL_NOTE = "仓库漏发，已扣仓库主管绩效"


def filled(ticket: Ticket, reply: str, name: str) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(customer_reply=reply, customer_name=name)
    return Ticket.objects.get(pk=ticket.pk)


def test_the_seeded_templates_are_all_checked():
    kinds = set(MessageTemplate.objects.values_list("kind", "channel"))
    assert {("acknowledgement", "sms"), ("result", "sms"), ("result", "email"), ("survey", "email")} <= kinds


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_with_every_input_reads_clean(org, language):
    ticket = ticket_in(org, "in_progress")
    ticket = perform(org, ticket, "resolve", note=INTERNAL_NOTE)
    templates = list(MessageTemplate.objects.all())
    problems = []
    with translation.override(language):
        for reply in REPLIES:
            for name in NAMES:
                values = notice_values(filled(ticket, reply, name), by=org.agent)
                for template in templates:
                    for part in (template.subject, template.body):
                        text = render(part, values)
                        for pattern in (DOUBLED, MARKUP):
                            found = pattern.search(text)
                            if found:
                                problems.append((template.name, reply, name, found.group(0), text))
                        if INTERNAL_NOTE in text:
                            problems.append((template.name, reply, name, "internal note", text))
    assert not problems, problems[:5]


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("已办结：{result}。如有疑问", "已补发。", "已办结：已补发。如有疑问"),
        ("已办结：{result}。如有疑问", "已补发", "已办结：已补发。如有疑问"),
        ("已办结：{result}。如有疑问", "已补发！", "已办结：已补发！如有疑问"),
        ("已办结：{result}。如有疑问", "已补发，", "已办结：已补发。如有疑问"),
        ("已办结：{result}。如有疑问", "", "已办结。如有疑问"),
        ("结果：{result}，请查收。", "已退款。", "结果：已退款。请查收。"),
        ("Result: {result}. Reply", "Refunded.", "Result: Refunded. Reply"),
        ("{{literal}} {result}", "ok", "{literal} ok"),
    ],
)
def test_the_templates_punctuation_gives_way_to_the_values_own(template, value, expected):
    assert render(template, {"result": value}) == expected
