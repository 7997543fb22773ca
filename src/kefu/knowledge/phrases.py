"""Phrase rules (禁用语 forbidden, 口头语 discouraged fillers, 必用语 required) checked in every reply.

One Aho–Corasick automaton (pyahocorasick) holds every active forbidden and discouraged phrase; it
is built once per process for the current version of the lists (kefu.knowledge.cache, bumped when a
rule is saved or deleted) and scans a message in one pass, reporting overlapping matches too
("我也没办法" and "没办法" both).

Normalisation, applied alike to the phrases and to the text, character by character so a match
maps back to the agent's own characters:
* NFKC: full-width letters, digits and punctuation become half-width (，→ , ？→ ?), and lower case;
* traditional → simplified for the characters listed in `TRADITIONAL` below: a deliberate, small
  table of the characters of service phrases (問→问, 誰→谁, 們→们, 沒→没, 辦→办, 這→这, 關→关, 說→说 ...),
  not a full converter — OpenCC would add a C dependency and its phrase-level rules for a check
  that only needs characters. A phrase using a character missing from the table still matches text
  written the same way; add characters here when a list needs them;
* whitespace is dropped, so "不 知 道" is still 不知道.
"""

import unicodedata
from dataclasses import dataclass

import ahocorasick
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import ValidationError
from kefu.knowledge import cache, permissions
from kefu.knowledge.models import PhraseRule, RuleKind

# Traditional → simplified, one character each (see the module docstring).
_PAIRS = (
    "問问誰谁們们沒没辦办這这關关說说話话對对會会為为麼么個个東东車车貨货錢钱買买賣卖費费單单號号碼码"
    "電电聽听見见讓让給给從从來来時时間间還还進进過过處处理理經经與与樣样種种應应該该請请謝谢歡欢迎迎"
    "務务員员客客訴诉網网絡络頁页點点擊击選选擇择認认識识記记錄录確确實实發发現现題题難难麻麻煩烦態态"
    "度度專专業业質质量量線线寄寄遞递郵邮運运輸输倉仓庫库備备貨货價价優优惠惠劵券閉闭開开關关門门愛爱"
    "興兴氣气滿满意意謂谓嗎吗呢呢喲哟囉啰吧吧啊啊哪哪裡里裏里邊边頭头腦脑長长張张場场報报紙纸愛爱歲岁"
    "盡尽權权賬账戶户帳账號号碼码驗验證证訂订購购退退換换貨货補补償偿賠赔損损壞坏產产品品線线級级隊队"
    "總总經经理理負负責责聯联係系繫系顧顾戶户態态絕绝對对無无法法幫帮忙忙懂懂楚楚錯错誤误啦啦"
)
TRADITIONAL = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS) - 1, 2) if _PAIRS[i] != _PAIRS[i + 1]}


def normalize_char(ch: str) -> str:
    out = []
    for n in unicodedata.normalize("NFKC", ch).lower():
        if n.isspace():
            continue
        out.append(TRADITIONAL.get(n, n))
    return "".join(out)


def normalize_with_origin(text: str) -> tuple[str, list[int]]:
    """The normalized text and, for each of its characters, the position in `text` it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text or ""):
        for n in normalize_char(ch):
            chars.append(n)
            origin.append(i)
    return "".join(chars), origin


def normalize(text: str) -> str:
    return normalize_with_origin(text)[0]


# --- the automaton's alphabet -----------------------------------------------------------------
# pyahocorasick looks a node's children up one by one, and the root of 2,000 Chinese phrases has
# ~1,700 children (one per first character): every character of the text would pay that scan.
# So each character above U+00FF is spelt as two: a "high" symbol (U+1000 + code >> 8) and a "low"
# one (U+0100 + code & 0xFF). The root then has at most a few dozen children and no node more than
# 256; the three ranges never overlap, so matches still start and end on whole characters.
# bench/knowledge.py measures the gain (about three times on 2,000 phrases).


def _spell(ch: str) -> str:
    code = ord(ch)
    return ch if code <= 0xFF else chr(0x1000 + (code >> 8)) + chr(0x100 + (code & 0xFF))


class _Table(dict):
    """str.translate table: a character → its normalized form, spelt for the automaton; filled lazily."""

    def __missing__(self, code: int) -> str:
        value = "".join(_spell(n) for n in normalize_char(chr(code)))
        self[code] = value
        return value


_TABLE = _Table()


def automaton_key(text: str) -> str:
    """`text` normalized and spelt for the automaton (one C-level pass: str.translate)."""
    return (text or "").translate(_TABLE)


def _origins(text: str) -> list[int]:
    """For each symbol of automaton_key(text), the position in `text` it came from."""
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin.extend([i] * len(_TABLE[ord(ch)]))
    return origin


@dataclass(frozen=True)
class Hit:
    rule_id: int
    kind: str
    phrase: str  # the rule's phrase
    found: str  # the agent's own characters
    start: int  # position in the checked text
    end: int
    alternative: str

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id, "kind": self.kind, "phrase": self.phrase, "found": self.found,
            "start": self.start, "end": self.end, "alternative": self.alternative,
        }  # fmt: skip


@dataclass
class Checker:
    automaton: object  # ahocorasick.Automaton, or None when no phrase is listed
    required: list[tuple[int, str, str]]  # (rule id, phrase, normalized phrase)

    def check(self, text: str) -> dict:
        """Every forbidden and discouraged phrase in `text` (overlaps included) and the required
        phrases it lacks."""
        key = automaton_key(text)
        hits: list[Hit] = []
        if self.automaton is not None and key:
            origin = None  # positions are mapped back only when something matched
            for end, entries in self.automaton.iter(key):
                origin = origin or _origins(text)
                for rule_id, kind, phrase, length, alternative in entries:
                    s, e = origin[end - length + 1], origin[end] + 1
                    hits.append(Hit(rule_id, kind, phrase, text[s:e], s, e, alternative))
        hits.sort(key=lambda h: (h.start, -h.end))
        missing = [{"rule_id": rid, "phrase": phrase} for rid, phrase, k in self.required if k not in key]
        return {
            "forbidden": [h.as_dict() for h in hits if h.kind == RuleKind.FORBIDDEN],
            "discouraged": [h.as_dict() for h in hits if h.kind == RuleKind.DISCOURAGED],
            "missing_required": missing,
            "ok": not any(h.kind == RuleKind.FORBIDDEN for h in hits),
        }


def build_checker(rules) -> Checker:
    """One automaton over `rules` (PhraseRule rows or objects with the same fields)."""
    automaton = ahocorasick.Automaton()
    required: list[tuple[int, str, str]] = []
    added = 0
    for rule in rules:
        key = automaton_key(rule.phrase)
        if not key:
            continue
        if rule.kind == RuleKind.REQUIRED:
            required.append((rule.pk, rule.phrase, key))
            continue
        entry = (rule.pk, rule.kind, rule.phrase, len(key), rule.alternative)
        # Two rules may normalise to the same key (全角/半角 or 繁/简 twins): keep both.
        existing = automaton.get(key, None)
        automaton.add_word(key, (*existing, entry) if existing else (entry,))
        added += 1
    if added:
        automaton.make_automaton()
    return Checker(automaton if added else None, required)


def current_checker() -> Checker:
    return cache.versioned("phrases", lambda: build_checker(PhraseRule.objects.filter(is_active=True)))


def check_text(text: str) -> dict:
    """Check a reply or chat message against the current lists."""
    return current_checker().check(text or "")


def rules_export() -> list[dict]:
    """Every active rule, for quality inspection (质检) to apply the same lists to conversations."""
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "phrase": r.phrase,
            "normalized": normalize(r.phrase),
            "alternative": r.alternative,
            "note": r.note,
        }  # fmt: skip
        for r in PhraseRule.objects.filter(is_active=True).order_by("kind", "phrase")
    ]


@transaction.atomic
def phrase_rule_save(
    *, phrase: str, by, kind: str = RuleKind.FORBIDDEN, alternative: str = "", note: str = "",
    rule: PhraseRule | None = None, is_active: bool = True,
) -> PhraseRule:  # fmt: skip
    """Create or change a rule; every process rebuilds its automaton on next check."""
    if not permissions.can_edit(by):
        from kefu.core.errors import PermissionDenied

        raise PermissionDenied(_("Only supervisors and managers may change the phrase lists."))
    phrase = (phrase or "").strip()
    if not normalize(phrase):
        raise ValidationError.for_field("phrase", _("A rule needs a phrase."))
    if kind not in RuleKind.values:
        raise ValidationError.for_field("kind", _("Unknown kind of rule."))
    duplicate = PhraseRule.objects.filter(kind=kind, phrase=phrase)
    if rule is not None:
        duplicate = duplicate.exclude(pk=rule.pk)
    if duplicate.exists():
        raise ValidationError.for_field("phrase", _("This phrase is already in the list."))
    rule = rule or PhraseRule()
    rule.kind, rule.phrase, rule.alternative, rule.note, rule.is_active = (
        kind, phrase, (alternative or "").strip(), (note or "").strip(), is_active,
    )  # fmt: skip
    rule.save()
    cache.bump_on_commit("phrases")
    return rule


@transaction.atomic
def phrase_rule_delete(*, rule: PhraseRule, by) -> None:
    if not permissions.can_edit(by):
        from kefu.core.errors import PermissionDenied

        raise PermissionDenied(_("Only supervisors and managers may change the phrase lists."))
    rule.delete()
    cache.bump_on_commit("phrases")
