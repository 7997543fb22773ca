"""Helpers for tests that read survey links out of messages."""

from kefu.callbacks.services import survey_url
from kefu.callbacks.services.surveys import survey_open


def assert_survey_link(ticket, text: str) -> None:
    """`text` carries this work order's survey link. The link is signed with the second it was made,
    so a link made a second before the test's own differs in its signature: compare up to the token,
    and check the token opens this work order's survey."""
    prefix = survey_url(ticket).rsplit("/survey/", 1)[0] + "/survey/"
    assert prefix in text, text
    token = text.split(prefix, 1)[1].split("/", 1)[0]
    assert survey_open(token)[0] == ticket
