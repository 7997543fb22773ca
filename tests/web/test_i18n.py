"""zh-hans is the default language and English is complete: every catalogue is whole and compiled.

The main catalogue is src/kefu/locale; apps that keep their own (src/kefu/<app>/locale) are checked the
same way, so a string added anywhere without its Chinese fails here.
"""

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

import kefu

KEFU_DIR = Path(kefu.__file__).resolve().parent
CATALOGUE = Path("locale") / "zh_Hans" / "LC_MESSAGES" / "django.po"
PO = KEFU_DIR / CATALOGUE
MO = PO.with_suffix(".mo")
ALL_PO = sorted(KEFU_DIR.rglob(str(CATALOGUE)))


def catalogue_id(path: Path) -> str:
    app = path.relative_to(KEFU_DIR).parents[3]
    return "main" if app == Path() else str(app)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags. Obsolete ones are skipped."""
    entries, entry, key = [], None, None

    def finish():
        if entry is not None and ("msgid" in entry):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:
                finish()
                entry = None
            entry = entry or {"flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += value
            else:
                entry[key] += value
            continue
        word, _, rest = line.partition(" ")
        if (
            word in ("msgctxt", "msgid")
            and entry is not None
            and "msgid" in entry
            and "msgstr" in entry
            and entry["msgstr"]
        ):
            finish()
            entry = None
        entry = entry or {"flags": set(), "msgstr": {}}
        value = ast.literal_eval(rest)
        if word.startswith("msgstr"):
            index = int(word[7:-1]) if "[" in word else 0
            entry["msgstr"][index] = value
            key = ("msgstr", index)
        else:
            entry[word] = value
            key = word
    finish()
    return entries


def messages(path: Path) -> list[dict]:
    return [e for e in parse_po(path) if e["msgid"] != ""]


def label(entry: dict) -> str:
    return f"{entry.get('msgctxt', '')}|{entry['msgid']}" if entry.get("msgctxt") else entry["msgid"]


def untranslated(entries: list[dict]) -> list[str]:
    return [
        label(e) for e in entries if not e["msgstr"] or not all(e["msgstr"].values()) or "fuzzy" in e["flags"]
    ]


def test_the_app_catalogues_are_found():
    assert {catalogue_id(p) for p in ALL_PO} >= {"main", "knowledge", "notify", "callbacks", "intake/manual"}


def test_the_main_catalogue_is_not_truncated():
    assert len(messages(PO)) > 300


@pytest.mark.parametrize("po", ALL_PO, ids=catalogue_id)
def test_every_msgid_has_a_chinese_translation_and_none_is_fuzzy(po):
    assert untranslated(messages(po)) == []


def test_choice_labels_are_translated_to_chinese_alone():
    """Labels like “Complaint (投诉)” become “投诉” in Chinese, not the English with the Chinese term."""
    by_id = {e["msgid"]: e["msgstr"][0] for e in messages(PO)}
    assert by_id["Complaint (投诉)"] == "投诉"
    assert by_id["Department replied (部门已回复)"] == "部门已回复"
    assert by_id["Agent (客服代表)"] == "客服代表"
    assert all("(" not in s for m, s in by_id.items() if m.endswith(")") and " (" in m and "%" not in m)


@pytest.mark.parametrize("po", ALL_PO, ids=catalogue_id)
def test_mo_is_not_older_than_po(po):
    """The compiled catalogue holds exactly what the .po says (file dates are not kept by git, contents are)."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), "compile the catalogue: django-admin compilemessages"
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in messages(po):
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if entry.get("msgctxt") else entry["msgid"]
        if entry.get("msgid_plural"):
            compiled = {i: catalog.get((key, i)) for i in entry["msgstr"]}
            if compiled != entry["msgstr"]:
                stale.append(label(entry))
        elif catalog.get(key) != entry["msgstr"][0]:
            stale.append(label(entry))
    assert not stale, f"the .mo is older than the .po for: {stale[:20]} (run compilemessages)"


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [("Complaint (投诉)", "投诉"), ("Insert script", "插入话术"), ("Webhook deliveries", "Webhook 投递记录")],
)
def test_pages_speak_chinese_by_default(msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese


@pytest.mark.skipif(not shutil.which("xgettext") or not shutil.which("msgmerge"), reason="needs gettext")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the source finds no string the catalogue lacks."""
    source = tmp_path / "kefu"
    shutil.copytree(KEFU_DIR, source, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    missing = {
        catalogue_id(KEFU_DIR / po.relative_to(source)): untranslated(messages(po))
        for po in sorted(source.rglob(str(CATALOGUE)))
    }
    missing = {catalogue: labels for catalogue, labels in missing.items() if labels}
    assert not missing, (
        f"strings without a translation: {missing} (run makemessages in that catalogue's directory, "
        "translate, compilemessages)"
    )
