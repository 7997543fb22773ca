"""Every main page, as the people who use it, in Chinese and in English, in a real Chromium: a screenshot
of each, and a failure for what makes a page look broken or half-translated.

- a class in the page's DOM that no loaded stylesheet defines (templates and stylesheets disagreeing
  leave tables and tabs unstyled); JS hooks are named `js-*` or listed in JS_HOOKS;
- in Chinese, a visible text that is one of our catalogues' English msgids (a string that missed
  translation), or an English phrase of several words (a string that missed gettext);
- in English, Chinese that is neither data (what people and customers wrote, found in the database)
  nor the Chinese term an English label carries ("Complaint (投诉)"): a hard-coded or wrongly
  translated string;
- a short label (a word or two) that wraps onto several lines, e.g. "话术" squeezed beside a select;
- a raw choice value shown where its label should be (`complaint`, `phone`, `awaiting_callback`), or a
  staff member's username where their name should be (text inside <code> is a code on purpose).

Screenshots go to $KEFU_E2E_SCREENSHOTS when set (kept as artifacts), else to the test's tmp dir.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import gettext
import os
import re
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import models  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import kefu  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from tests.e2e.support import in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SRC = Path(kefu.__file__).parent
SHOTS = os.environ.get("KEFU_E2E_SCREENSHOTS", "")

# Classes that only scripts use (no style of their own). New hooks should be named js-*.
JS_HOOKS = {
    "kb-insert-script",
    "kb-insert-script-id",
    "kb-insert-text",
    "kb-script-select",
}
# Modifiers generated from a value, over a base class that styles every value (`.ev` for `ev-<kind>`).
GENERATED_PREFIXES = ("ev-",)

AUDIT_JS = r"""
() => {
  const defined = new Set();
  const addRules = (rules) => {
    for (const rule of rules) {
      if (rule.selectorText) {
        for (const m of rule.selectorText.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)) defined.add(m[1]);
      }
      if (rule.cssRules) addRules(rule.cssRules);
    }
  };
  for (const sheet of document.styleSheets) {
    try { addRules(sheet.cssRules); } catch (e) { /* a cross-origin sheet: none of ours */ }
  }
  const used = new Map();
  for (const el of document.querySelectorAll('[class]')) {
    if (el.closest('svg')) continue;
    for (const c of el.classList) if (!used.has(c)) used.set(c, el.outerHTML.slice(0, 120));
  }
  const missing = [...used.entries()].filter(([c]) => !defined.has(c)).map(([c, html]) => c + '  ' + html);
  const visible = (el) => el && el.checkVisibility({visibilityProperty: true});
  // Text marked with its own language (the 中文 switch, the 客服 mark) or shown as a code on purpose
  // (a login name, a department code) is what it says it is.
  const exempt = (el) => {
    if (el.closest('code, kbd, samp')) return true;
    const marked = el.closest('[lang]');
    return marked !== null && marked !== document.documentElement;
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    if (!text || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA'].includes(el.tagName)) continue;
    if (exempt(el)) continue;
    if (el.tagName === 'OPTION' || el.tagName === 'OPTGROUP' || visible(el)) texts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder]')) if (visible(el)) texts.push(el.placeholder.trim());
  // A short label squeezed beside a wide control wraps into a column, one character a line.
  const wrapped = [];
  for (const el of document.querySelectorAll('label, th, .tab, .btn')) {
    const text = el.textContent.trim();
    if (!visible(el) || !text || text.length > 8 || text.includes(' ')) continue;
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      if (new Set(rects.map((r) => Math.round(r.bottom))).size > 1) wrapped.push(node.textContent.trim());
    }
  }
  return {missing, texts, wrapped};
}
"""

WORD = re.compile(r"(?<![\w./@{=-])[a-z][a-z0-9_]+(?![\w./@}=-])")  # not a path, a {variable} or a key=
URL = re.compile(r"\S+://\S+|\S+@\S+")
ENGLISH_PHRASE = re.compile(r"^[A-Za-z][a-z]+(?:[ -][A-Za-z][a-z']*)+[.:?!]?$")
CJK_RUN = re.compile(
    r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]*[\u3400-\u9fff][\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]*"
)


def catalogue() -> dict[str, str]:
    """Our catalogues' msgid → zh-hans msgstr (the same text where Chinese keeps the term, e.g. "SMS")."""
    entries: dict[str, str] = {}
    for mo in SRC.rglob("locale/zh_Hans/LC_MESSAGES/django.mo"):
        with mo.open("rb") as handle:
            for key, value in gettext.GNUTranslations(handle)._catalog.items():
                msgid = key[0] if isinstance(key, tuple) else key
                if msgid and value:
                    entries[msgid.split("\x04")[-1]] = value
    return entries


def raw_codes() -> set[str]:
    """Every choice value of our models that is a word, not its own English label (e.g. `complaint`)."""
    codes = set()
    with translation.override("en"):
        for model in apps.get_models():
            if not model.__module__.startswith("kefu."):
                continue
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or []:
                    if (
                        isinstance(value, str)
                        and re.fullmatch(r"[a-z][a-z0-9_]+", value)
                        and value != str(label)
                    ):
                        codes.add(value)
    return codes


def data_text() -> str:
    """Every text the center's people and customers wrote (names, titles, articles, phrases), joined:
    Chinese in an English page is data when it comes from here."""
    values = []
    for model in apps.get_models():
        if not model.__module__.startswith("kefu."):
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))
                  and not f.choices]  # fmt: skip
        if fields:
            for row in model.objects.values_list(*fields):
                values += [v for v in strings_in(row) if CJK_RUN.search(v)]
    from kefu.knowledge.search import STANDARD_SYNONYMS  # shipped data, shown as written

    values += [" ".join(group) for group in STANDARD_SYNONYMS]
    return "\n".join(values)


def strings_in(value) -> list[str]:
    """The texts inside a stored value: JSON details (a regulator's name, a transcript's sentences)
    are data as much as a text column is."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return strings_in(list(value.values()))
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in strings_in(item)]
    return []


def is_data(text: str, data: str) -> bool:
    """Whether a Chinese text on the page is data (an article, a plan's "中文 · English" name), not
    the page's own words: a long Chinese run of it, or every Chinese run of it, is in the database."""
    if " ".join(text.split()) in data:  # an English line of a bilingual article, a name
        return True
    runs = [run for run in CJK_RUN.findall(text) if len(run) >= 2]
    return any(len(run) >= 4 and run in data for run in runs) or bool(
        runs and all(run in data for run in runs)
    )


def demo_center():
    """The demo center (as a newcomer sees it) with what every page needs to show something."""
    from kefu.accounts.models import User
    from kefu.callbacks.models import CallbackPlan, Satisfaction, Score, Script, Trigger
    from kefu.callbacks.services.plans import callback_plans_generate
    from kefu.callbacks.services.surveys import survey_token
    from kefu.customers.models import Customer
    from kefu.demo.data import load_demo
    from kefu.intake.portal.tracking import tracking_token
    from kefu.knowledge import cases, phrases, services
    from kefu.knowledge.models import Article, Case, PhraseRule
    from kefu.knowledge.models import Script as KnowledgeScript
    from kefu.tickets.models import Status, Ticket

    load_demo(tickets=24)
    manager = User.objects.get(username="manager")
    supervisor = User.objects.get(username="supervisor")
    if not Article.objects.exists():
        services.article_create(title="退货政策", body_html="<p>七天无理由退货。</p>", by=manager)
    if not KnowledgeScript.objects.exists():
        services.script_create(title="致歉", text="{customer_name}您好，给您添麻烦了。", by=manager)
    if not PhraseRule.objects.exists():
        phrases.phrase_rule_save(phrase="不知道", alternative="我帮您确认一下", by=manager)
    if not Case.objects.exists():
        cases.case_create(title="快递延误投诉", request_text="快递三天没到", by=manager)
    if not Script.objects.exists():  # seeded by a migration, flushed by an earlier transactional test
        import_module("kefu.callbacks.migrations.0002_seed_reasons_and_script").seed(apps, None)
    if not CallbackPlan.objects.exists():
        CallbackPlan.objects.create(
            name="投诉办结回访", trigger=Trigger.RESOLVED, ticket_types=["complaint"],
            script=Script.objects.filter(is_active=True).first(), team=supervisor.agent_groups.first(),
        )  # fmt: skip
    callback_plans_generate()
    done = list(Ticket.objects.filter(status__in=[Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED]))
    now = timezone.now()
    for i, ticket in enumerate(done[:4]):
        if not Satisfaction.objects.filter(ticket=ticket).exists():
            Satisfaction.objects.create(
                ticket=ticket, source=Satisfaction.Source.CALLBACK,
                score=[Score.SATISFIED, Score.DISSATISFIED][i % 2], agent=ticket.owner, group=ticket.group,
                ticket_type=ticket.ticket_type, channel=ticket.channel, created_at=now - timedelta(days=i),
            )  # fmt: skip
    ticket = Ticket.objects.filter(customer__isnull=False).order_by("pk").first()
    from kefu.quality.models import Inspection, RubricVersion

    sampled = Inspection.objects.filter(state=Inspection.State.SAMPLED).order_by("pk").first()
    return {
        "inspection": sampled.pk,
        "transcript": sampled.transcript_id,
        "rubric_version": RubricVersion.objects.filter(state=RubricVersion.State.PUBLISHED)
        .order_by("pk")
        .first()
        .pk,
        "ticket": ticket.number,
        "customer": Customer.objects.order_by("pk").first().pk,
        "article": Article.objects.order_by("pk").first().pk,
        "case": Case.objects.order_by("pk").first().pk,
        "portal": tracking_token(ticket),
        "survey": survey_token(done[0]) if done else "",
    }


def pages(ids: dict) -> dict[str, list[tuple[str, str]]]:
    """(name, path) by login (`None`: the customer, signed out)."""
    return {
        "agent": [
            ("workspace", "/"),
            ("work-order", f"/tickets/{ids['ticket']}/"),
            ("new-work-order", "/tickets/new/"),
            ("search", "/tickets/search/?q=快递"),
            ("customers", "/customers/"),
            ("customer", f"/customers/{ids['customer']}/"),
            ("chat-console", "/chat/console/"),
            ("knowledge-articles", "/knowledge/"),
            ("knowledge-article", f"/knowledge/{ids['article']}/"),
            ("knowledge-scripts", "/knowledge/scripts/"),
            ("knowledge-phrases", "/knowledge/phrases/"),
            ("knowledge-cases", "/knowledge/cases/"),
            ("knowledge-case", f"/knowledge/cases/{ids['case']}/"),
            ("callbacks-queue", "/callbacks/"),
            ("quality-mine", "/quality/mine/"),
            ("notifications", "/notifications/"),
            ("notification-settings", "/notifications/preferences/"),
        ],
        "supervisor": [
            ("supervisor-workspace", "/"),
            ("board", "/board/"),
            ("callbacks-report", "/callbacks/report/"),
            ("callbacks-measures", "/callbacks/measures/"),
            ("callbacks-reviews", "/callbacks/reviews/"),
            ("calls-import", "/calls/import/"),
            ("quality-reviews", "/quality/reviews/"),
            ("quality-appeals", "/quality/appeals/"),
            ("quality-sampling", "/quality/sampling/"),
            ("quality-review", f"/quality/inspections/{ids['inspection']}/review/"),
            ("quality-transcripts", "/quality/transcripts/"),
            ("quality-transcript", f"/quality/transcripts/{ids['transcript']}/"),
            ("quality-reports", "/quality/reports/"),
            ("quality-report-inspection", f"/quality/reports/inspections/{ids['inspection']}/"),
            ("quality-calibration", "/quality/calibration/"),
            ("quality-rubrics", "/quality/rubrics/"),
            ("quality-rubric-version", f"/quality/rubrics/versions/{ids['rubric_version']}/"),
            ("kpi-dashboard", "/reports/"),
            ("kpi-dashboard-by-agent", "/reports/?grain=week&by=agent"),
            ("kpi-drill", "/reports/drill/?figure=calls_offered"),
            ("kpi-targets", "/reports/targets/"),
            ("wallboard", "/reports/wallboard/"),
            ("kpi-drivers", "/reports/drivers/"),
        ],
        "manager": [
            ("organisation", "/org/"),
            ("knowledge-synonyms", "/knowledge/synonyms/"),
            ("message-templates", "/notifications/templates/"),
        ],
        "logistics": [("department-inbox", "/inbox/")],
        None: [
            ("login", "/login/"),
            ("portal", "/portal/"),
            ("portal-track", "/portal/track/"),
            ("portal-work-order", f"/portal/t/{ids['portal']}/"),
            ("portal-faq", "/portal/faq/"),
            *([("survey", f"/survey/{ids['survey']}/")] if ids["survey"] else []),
        ],
    }


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def center(transactional_db):
    clear_calendar_cache()
    cache.clear()
    yield in_thread(demo_center)
    clear_calendar_cache()
    cache.clear()


def problems_of(name: str, language: str, found: dict, *, msgids: dict, codes: set, usernames: set,
                allowed_chinese: str) -> list[str]:  # fmt: skip
    out = [f"{name}: class without a style: {line}" for line in found["missing"]
           if not line.startswith(("js-", *GENERATED_PREFIXES)) and line.split()[0] not in JS_HOOKS]  # fmt: skip
    out += [f"{name}: a short label wraps onto several lines: {text!r}" for text in found["wrapped"]]
    translations = set(msgids.values())
    for text in found["texts"]:
        # An English label may spell like a code or a login ("logistics"): English pages skip those.
        label = language == "en" and text in msgids
        if text in codes and not label:
            out.append(f"{name}: a code instead of its label: {text!r}")
        elif text in usernames and not label:
            out.append(f"{name}: a username instead of the person's name: {text!r}")
        elif (
            language == "zh-hans"
            and text not in translations
            and (text in msgids or ENGLISH_PHRASE.match(text))
        ):
            out.append(f"{name}: English in the Chinese page: {text!r}")
        elif (
            language == "zh-hans"
            and text not in translations
            and (inside := set(WORD.findall(URL.sub(" ", text))) & codes)
            and not is_data(text, allowed_chinese)
        ):
            out.append(f"{name}: a code inside a Chinese text: {sorted(inside)} in {text!r}")
        elif language == "en":
            foreign = [run for run in CJK_RUN.findall(text) if run not in allowed_chinese]
            if foreign:
                out.append(f"{name}: Chinese in the English page: {text!r}")
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_main_page_is_styled_translated_and_shows_labels(
    browser, live_server, center, language, tmp_path
):
    from kefu.accounts.models import User
    from kefu.demo.data import DEMO_PASSWORD

    shots = Path(SHOTS or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    msgids, codes = catalogue(), raw_codes()
    # Data may be Chinese; so may the Chinese terms our English labels carry ("Complaint (投诉)").
    allowed_chinese = " ".join((data_text() + "\n" + "\n".join(msgids)).split())
    usernames = {u for u, name in User.objects.values_list("username", "display_name") if name and name != u}
    problems: list[str] = []
    for login, visits in pages(center).items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        if login:
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", login)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_load_state()
        for name, path in visits:
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if response is None or response.status >= 400:
                problems.append(f"{name}: {path} answered {response and response.status}")
                continue
            page.screenshot(path=shots / f"{language}-{name}.png", full_page=True)
            found = page.evaluate(AUDIT_JS)
            problems += problems_of(
                name,
                language,
                found,
                msgids=msgids,
                codes=codes,
                usernames=usernames,
                allowed_chinese=allowed_chinese,
            )
        context.close()
    assert not problems, "\n".join(sorted(set(problems)))
