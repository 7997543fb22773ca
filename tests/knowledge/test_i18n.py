"""kefu.knowledge's own catalogue is complete, compiled and used."""

import gettext
from pathlib import Path

from django.utils import translation

import kefu.knowledge
from tests.web.test_i18n import messages

PO = Path(kefu.knowledge.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_knowledge_string_has_a_chinese_translation_and_none_is_fuzzy():
    entries = messages(PO)
    assert [e["msgid"] for e in entries if not all(e["msgstr"].values()) or "fuzzy" in e["flags"]] == []


def test_the_compiled_knowledge_catalogue_matches_the_po():
    with PO.with_suffix(".mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = [
        e["msgid"]
        for e in messages(PO)
        if not e.get("msgid_plural") and catalog.get(e["msgid"]) != e["msgstr"][0]
    ]
    assert stale == []


def test_knowledge_pages_speak_chinese_by_default():
    with translation.override("zh-hans"):
        assert translation.gettext("Insert script") == "插入话术"
