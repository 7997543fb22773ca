"""The facts each manual channel needs (渠道要素), one table per channel.

The capture pages build their fields from these tables and services.channel_details_clean checks
them, so the pages and the API refuse the same things with the same field names
(``channel_details.<name>``).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    kind: str = "text"  # text | int | date
    required: bool = False
    max_length: int = 200
    help_text: str = ""


FACTS: dict[str, tuple[Fact, ...]] = {
    "walk_in": (
        Fact("service_desk", _("service desk / counter"), required=True, max_length=100),
        Fact("visitor_count", _("number of visitors"), kind="int"),
    ),
    "letter": (
        Fact("received_on", _("date received"), kind="date", required=True),
        Fact("sender_address", _("sender's address"), required=True, max_length=300),
        Fact("letter_reference", _("letter reference"), max_length=100),
    ),
    "media": (
        Fact("outlet", _("media outlet"), required=True, max_length=100),
        Fact(
            "link",
            _("link or page"),
            required=True,
            max_length=500,
            help_text=_("URL, or the page and column."),
        ),
        Fact("published_on", _("publication date"), kind="date", required=True),
        Fact("reporter", _("reporter"), max_length=100),
    ),
    "regulator": (
        Fact("body", _("referring body"), required=True, max_length=100, help_text=_("e.g. 12315, 消协")),
        Fact("reference_number", _("reference number"), required=True, max_length=100),
        Fact("answer_by", _("deadline to answer"), kind="date", required=True),
        Fact("contact_person", _("contact person"), max_length=100),
    ),
    "transfer": (
        Fact("from_department", _("originating department"), required=True, max_length=100),
        Fact("reference", _("reference"), max_length=100),
        Fact("original_handler", _("original handler"), max_length=100),
    ),
}

#: The channels with their own capture page; the quick capture form leaves them out.
MANUAL_CHANNELS = tuple(FACTS)


def fact_label(name: str) -> str:
    """The label of a fact by its name, whichever channel has it; the name if none does."""
    return next((str(f.label) for facts in FACTS.values() for f in facts if f.name == name), name)
