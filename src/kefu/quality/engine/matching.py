"""Literal matching for the engine: every word of every rule in one Aho–Corasick automaton, and the
per-conversation view (`Context`) the operators read their hits, scopes and timings from.

Words and text go through kefu.knowledge.phrases' normalisation and alphabet spelling
(`automaton_key`): full-width and half-width, traditional and simplified characters, upper and lower
case and spaces match alike, exactly as in the phrase check agents see while they type. Because the
normalisation works character by character, a word that occurs in a text always occurs in the
text's key too — which is what lets a regular expression be skipped on a sentence lacking a literal
the expression requires.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from functools import cache
from itertools import accumulate, chain
from operator import add as _add

import ahocorasick
from rapidfuzz import fuzz

TIMED = -1  # pseudo literal "the conversation has timings", for the gating of timing operators
# A trigger entry "literal said by a sentence of role r" is the int 4·literal + ROLE_CODE[r] (an int
# hashes and compares faster than a (role, literal) pair); code 0 is "by anyone". Roles no
# condition names (system, unknown) share code 3, which no trigger uses.
ROLE_CODE = {None: 0, "agent": 1, "customer": 2}
OTHER_ROLE = 3


def similar_key(number: int) -> int:
    """The trigger entry "similarity condition `number` matched a sentence" (a pseudo literal
    below TIMED), put in ctx.present once the conversation's sentences are scored."""
    return 4 * (-2 - number)


def trigger_key(role: str | None, lit: int) -> int:
    """The trigger entry for literal `lit` said by a sentence of `role` (None: anyone)."""
    return 4 * lit + ROLE_CODE.get(role, OTHER_ROLE)


@cache
def _phrases():
    # Imported on first use: kefu.knowledge.phrases imports the knowledge models, and this package
    # must stay importable before the app registry is ready.
    from kefu.knowledge import phrases

    return phrases


def literal_key(text: str) -> str:
    """`text` normalised and spelt as the automaton sees it ("" when nothing is left)."""
    return _phrases().automaton_key(text or "")


def _symbol_count(ch: str) -> int:
    return len(literal_key(ch))


class _SimilarityTable(dict):
    """str.translate table: a character → its normalised form without spaces, punctuation and
    symbols (text compared by similarity and counted for speaking speed)."""

    # Every character a similarity text can hold is its own normal form (normalising it again
    # changes nothing) — so equal characters are equal keys, and SimilarIndex.shared may compare
    # a text's character pairs directly. Cleared if some character ever breaks that.
    canonical = True

    def __missing__(self, code: int) -> str:
        out = []
        normalize_char = _phrases().normalize_char
        for n in normalize_char(chr(code)):
            if unicodedata.category(n)[0] in "LN":
                out.append(n)
                if normalize_char(n) != n:
                    _SimilarityTable.canonical = False
        value = "".join(out)
        self[code] = value
        return value


_SIM = _SimilarityTable()


def similarity_text(text: str) -> str:
    return (text or "").translate(_SIM)


class _CountTable(dict):
    """str.translate table: a character → one digit, how many symbols `table` makes of it
    ("x" for nine or more), so a text's shape is read in one C-level pass."""

    def __init__(self, table):
        super().__init__()
        self.table = table

    def __missing__(self, code: int) -> str:
        n = len(self.table[code])
        value = self[code] = str(n) if n < 9 else "x"
        return value


_SIM_COUNTS = _CountTable(_SIM)


@cache
def _key_counts() -> _CountTable:
    return _CountTable(_phrases()._TABLE)


def key_shape(text: str) -> int | tuple[int, ...]:
    """How automaton positions map back to `text`: 2 when every character is spelt as two
    symbols (Chinese text), 1 when every one is a single symbol, otherwise the running total of
    symbols through each character (a symbol p comes from character bisect_right(totals, p))."""
    counts = text.translate(_key_counts())
    if counts == "2" * len(text):
        return 2
    if counts == "1" * len(text):
        return 1
    if "x" in counts:  # a character spelt as nine symbols or more (a ligature): count them
        return tuple(accumulate(len(literal_key(ch)) for ch in text))
    return tuple(accumulate(map(int, counts)))


def similarity_origins(text: str) -> range | tuple[int, ...]:
    """For each character of similarity_text(text), the position in `text` it came from.
    (Kept with the text in the memo: a tuple, which the cycle collector stops tracking.)"""
    counts = text.translate(_SIM_COUNTS)
    if counts == "1" * len(text):
        return range(len(text))
    if not counts or max(counts) <= "1":  # each character kept as one or dropped (punctuation)
        return tuple([i for i, c in enumerate(counts) if c == "1"])
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin.extend([i] * len(_SIM[ord(ch)]))
    return tuple(origin)


TEXTS_SIZE = 100_000  # distinct sentence texts remembered for their literal hits
MEMO_SIZE = 50_000  # distinct sentence texts remembered for similarity


def measure(sentence: str, example: str) -> tuple[float, int | None, int | None]:
    """(score, start, end) of `example` against a sentence's similarity text: the whole sentence
    when it is no longer than the example (start/end None), else the sentence's best window."""
    if len(sentence) <= len(example):
        return (fuzz.ratio(sentence, example), None, None)
    a = fuzz.partial_ratio_alignment(example, sentence)
    return (a.score, a.dest_start, a.dest_end)


class SimilarIndex:
    """Example sentences of every similarity condition, and their character pairs (bigrams) in a
    second automaton run over a sentence's similarity text: a sentence sharing too few of an
    example's pairs cannot reach the threshold (see Similar.bound), so rapidfuzz runs only on the
    few pairs of sentence and example that can."""

    def __init__(self):
        self.ids: dict[str, int] = {}  # example's similarity text → id
        self.texts: list[str] = []  # id → example's similarity text
        self.pairs: dict[str, int] = {}  # bigram key → id
        # bigram as written in an example's similarity text → the ids of the examples holding it,
        # each once per position (shared() counts them in C)
        self.by_pair: dict[str, tuple[int, ...]] = {}
        self.members: list[list[tuple[int, int]]] = []  # bigram id → [(example id, positions)]
        self.automaton = None
        self.leaves: list = []  # the similarity conditions (leaves.Similar), by number
        self.ungated: list = []  # those scored on every example (no bigram bound; see build)
        # example id → (its text, least bound, ((gated condition's number, n, example as written,
        # bound, threshold, cutoff), ...)): see build
        self.by_example: dict[int, tuple] = {}
        self.roles: set[str | None] = set()  # whose sentences they look at (None: everyone's)
        # similarity text → {condition number: (score, example, start, end)} for the conditions
        # it matches: scripted agent sentences (您好，很高兴为您服务) repeat from call to call, so
        # each distinct text is scored once. Bounded: least recently used out first.
        self.memo: dict[str, dict] = {}
        self.hits = self.misses = 0  # memo lookups answered / computed (the bench reports them)

    def add(self, text: str) -> int:
        gid = self.ids.get(text)
        if gid is not None:
            return gid
        gid = self.ids[text] = len(self.ids)
        self.texts.append(text)
        counts: dict[str, int] = {}
        for k in range(len(text) - 1):
            key = literal_key(text[k : k + 2])
            counts[key] = counts.get(key, 0) + 1
        for key, positions in counts.items():
            pid = self.pairs.get(key)
            if pid is None:
                pid = self.pairs[key] = len(self.members)
                self.members.append([])
            self.members[pid].append((gid, positions))
        return gid

    def build(self) -> None:
        self.by_pair = {}
        for text in self.ids:
            for k in range(len(text) - 1):
                pair = text[k : k + 2]
                if pair not in self.by_pair:
                    members = self.members[self.pairs[literal_key(pair)]]
                    self.by_pair[pair] = tuple(gid for gid, n in members for _n in range(n))
        # Which conditions an example can bring into play: a gated condition is scored only on
        # the examples whose bigram bound a sentence reaches; the others on every example.
        self.ungated = [leaf for leaf in self.leaves if not leaf.gated]
        by_example: dict[int, list[tuple]] = {}
        for leaf in self.leaves:
            if leaf.gated:
                for n, (written, _text, gid, bound) in enumerate(leaf.examples):
                    entry = (leaf.number, n, written, bound, leaf.threshold, leaf.cutoff)
                    by_example.setdefault(gid, []).append(entry)
        # example id → (its similarity text, the smallest bound of its entries, the entries)
        self.by_example = {
            gid: (self.texts[gid], min(entry[3] for entry in entries), tuple(entries))
            for gid, entries in by_example.items()
        }
        if not self.pairs:
            return
        automaton = ahocorasick.Automaton()
        for key, pid in self.pairs.items():
            automaton.add_word(key, pid)
        automaton.make_automaton()
        self.automaton = automaton

    def found(self, text: str) -> dict:
        """{condition number: best match} of every similarity condition that `text` matches."""
        memo = self.memo
        found = memo.pop(text, None)
        if found is None:
            self.misses += 1
            found = self._score(text)
            if len(memo) >= MEMO_SIZE:
                memo.pop(next(iter(memo), None), None)  # tolerant of another thread evicting too
        else:
            self.hits += 1
        memo[text] = found  # (re)inserted last: the least recently used is first
        return found

    def _score(self, text: str) -> dict:
        """found() without the memo. Walked example by example (each one scored at most once, for
        every gated condition holding it) rather than condition by condition: most sentences
        share too few bigrams with any example to be scored at all. Each condition keeps its best
        example, ties to its first, exactly as Similar.best_of does."""
        scores: dict = {}  # example id → (score, start, end), shared by the conditions
        found = {}
        for leaf in self.ungated:  # scored on every example (no bigram bound)
            best = leaf.best_of(text, leaf.examples, scores)
            if best is not None:
                found[leaf.number] = best
        ls = len(text)
        best_of: dict[int, tuple] = {}  # condition number → (score, n, example, start, end)
        by_example = self.by_example
        for gid, count in self.shared(text).items():
            known = by_example.get(gid)
            if known is None or count < known[1]:
                continue
            example_text, _least, entries = known
            le = len(example_text)
            result = scores.get(gid)
            for number, n, written, bound, t, cutoff in entries:
                if count < bound or (ls <= le and 2 * ls < t * (ls + le)):
                    continue  # the bigram bound, then Similar.best_of's length bound
                if result is None:
                    result = scores[gid] = measure(text, example_text)
                score = result[0]
                if score >= cutoff:
                    current = best_of.get(number)
                    if current is None or score > current[0] or (score == current[0] and n < current[1]):
                        best_of[number] = (score, n, written, result[1], result[2])
        for number, (score, _n, written, start, end) in best_of.items():
            found[number] = (score, written, start, end)
        return found

    def shared(self, text: str) -> dict[int, int]:
        """Example id → how many of its bigram positions occur in `text` (a similarity text)."""
        if self.automaton is None or len(text) < 2:
            return {}
        if _SimilarityTable.canonical:
            # The automaton's matches start and end on whole characters (the spelling's symbol
            # ranges never overlap) and equal characters are equal keys (see _SimilarityTable),
            # so the pairs it would find are the text's own character pairs that an example
            # has: one set intersection and one count, in C, instead of Python loops.
            by_pair = self.by_pair
            found = by_pair.keys() & set(map(_add, text, text[1:]))
            return Counter(chain.from_iterable([by_pair[pair] for pair in found]))
        counts: dict[int, int] = {}
        members = self.members
        for pid in {pid for _end, pid in self.automaton.iter(literal_key(text))}:
            for gid, positions in members[pid]:
                counts[gid] = counts.get(gid, 0) + positions
        return counts


class Literals:
    """The words of every compiled rule, each once (by normalised key), in one automaton."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.words: list[str] = []  # a literal's first spelling, for notes
        self.phrases: dict[str, list[str]] = {}  # the knowledge base's lists by kind
        self.similar = SimilarIndex()
        self.automaton = None
        self.texts: dict[str, list] = {}  # sentence text → scan(text), across conversations
        self.scans = 0  # texts scanned (not found in `texts`; the bench reports the memo's hits)
        self.operators: dict[str, object] = {}  # a condition's JSON → its operator, shared by rules
        # (role, range) of every condition's scope → a small int, the key of Context._scopes:
        # an int hashes at once, a (role, range) tuple is hashed afresh at every lookup.
        self.scopes: dict[tuple, int] = {}

    def scope_id(self, role: str | None, rng: tuple) -> int:
        """Registered at compile time (with the role's whole scope, which scope() asks for too)."""
        scopes = self.scopes
        for key in ((role, ("all",)), (role, rng)):
            if key not in scopes:
                scopes[key] = len(scopes)
        return scopes[(role, rng)]

    def add(self, word: str) -> int | None:
        key = literal_key(word)
        if not key:
            return None
        lit = self.ids.get(key)
        if lit is None:
            lit = self.ids[key] = len(self.words)
            self.words.append(word)
        return lit

    def add_all(self, words) -> tuple[int, ...]:
        out = []
        for w in words or ():
            lit = self.add(w)
            if lit is not None and lit not in out:
                out.append(lit)
        return tuple(out)

    def scan(self, text: str) -> list:
        """[hits, origin, similarity text, its origins, trigger entries, similarity matches] of a sentence's text, remembered (bounded) by the text:
        hits ((literal, start, end) in the key, one automaton pass) now, the rest when first asked.
        Scripted sentences repeat from call to call; a repeated one costs one dictionary lookup."""
        automaton = self.automaton
        found: tuple = ()
        if automaton is not None:
            key = _phrases().automaton_key(text)
            if key:
                found = tuple(
                    [(lit, end - length + 1, end + 1) for end, (lit, length) in automaton.iter(key)]
                )
        self.scans += 1
        texts = self.texts
        if len(texts) >= TEXTS_SIZE:
            texts.clear()  # a bounded memory: start over (cheaper than tracking recency)
        # [4]: trigger entries by the role code of the sentence saying it (Context fills it);
        # [5]: the similarity conditions it matches, as evidence pieces (Context.similar_found).
        info = texts[text] = [found, None, None, None, {}, None]
        return info

    def build(self) -> None:
        self.texts.clear()
        self.similar.build()
        if not self.ids:
            self.automaton = None
            return
        automaton = ahocorasick.Automaton()
        for key, lit in self.ids.items():
            automaton.add_word(key, (lit, len(key)))
        automaton.make_automaton()
        self.automaton = automaton


def _said(found: tuple, code: int) -> tuple[int, ...]:
    """The trigger entries of a text's literal hits said by a sentence of role `code`: each
    literal by anyone (code 0) and by that role. A tuple of ints, not a set: the cycle collector
    stops tracking it (and the dict holding it), and the memo holds one per distinct text."""
    return tuple([4 * lit for lit, _a, _b in found] + [4 * lit + code for lit, _a, _b in found])


class Context:
    """One conversation as the operators see it: literal hits (one automaton pass per sentence),
    scopes by role and range, positions mapped back to the original text; computed lazily."""

    __slots__ = (
        "sentences", "roles", "infos", "hits", "present", "literals", "_scopes",
        "_cache", "timed", "explaining",
    )  # fmt: skip

    def __init__(self, sentences, literals: Literals):
        self.sentences = sentences
        self.literals = literals
        self.roles = [s.role for s in sentences]
        hits: dict[int, list[tuple[int, int, int]]] = {}
        memo = literals.texts
        infos = []
        # trigger_key() of every literal said, by its sentence's role and by anyone: what the
        # rules' triggers are made of. TIMED stands for "a sentence of that role has timings".
        present: set[int] = set()
        timed = False
        for i, sentence in enumerate(sentences):
            text = sentence.text
            info = memo.get(text)
            if info is None:
                info = literals.scan(text)
            infos.append(info)
            code = ROLE_CODE.get(sentence.role, OTHER_ROLE)
            if info[0]:
                keys = info[4].get(code)
                if keys is None:
                    keys = info[4][code] = _said(info[0], code)
                present.update(keys)
                for lit, a, b in info[0]:
                    found = hits.get(lit)
                    if found is None:
                        hits[lit] = [(i, a, b)]
                    else:
                        found.append((i, a, b))
            if sentence.start_ms is not None or sentence.end_ms is not None:
                timed = True
                present.add(4 * TIMED + code)
        if timed:
            present.add(4 * TIMED)
        self.infos = infos
        self.hits = hits
        self.timed = timed
        self.present = present
        self._scopes: dict[int | tuple, tuple[tuple[int, ...], frozenset[int] | None]] = {}
        self._cache: dict = {}
        if literals.similar.leaves:  # the similarity conditions that matched a sentence, as triggers
            present.update([-8 - 4 * number for number in self.similar_found()])  # similar_key()
        # explain() shows what a false condition found (the words that made a `none` fail);
        # inspect() needs the evidence of true conditions only.
        self.explaining = False

    # --- positions ---------------------------------------------------------------------------
    def located(self, found: list[tuple]) -> list[tuple]:
        """(literal, sentence, start, end) hits, their symbols [start, end) in the sentence's key
        → the same with characters of the sentence's text. One call for all of a condition's
        hits (a Python frame per hit was a measurable part of inspecting)."""
        infos = self.infos
        out = []
        for lit, i, start, end in found:
            info = infos[i]
            origin = info[1]
            if origin is None:
                # Common cases without a table: every character spelt as two symbols (Chinese
                # text only) or as one (ASCII only).
                origin = info[1] = key_shape(self.sentences[i].text)
            if origin == 2:
                out.append((lit, i, start >> 1, ((end - 1) >> 1) + 1))
            elif origin == 1:
                out.append((lit, i, start, end))
            else:
                out.append((lit, i, bisect_right(origin, start), bisect_right(origin, end - 1) + 1))
        return out

    def sim_origins(self, i: int) -> range | tuple[int, ...]:
        """For each character of sentence i's similarity text, its position in the sentence."""
        info = self.infos[i]
        origin = info[3]
        if origin is None:
            origin = info[3] = similarity_origins(self.sentences[i].text)
        return origin

    def sim_text(self, i: int) -> str:
        info = self.infos[i]
        text = info[2]
        if text is None:
            text = info[2] = similarity_text(self.sentences[i].text)
        return text

    def similar_found(self) -> dict[int, list[tuple]]:
        """Similarity condition number → its evidence [(sentence, start, end, note)] over the
        sentences of the roles similarity conditions look at, once per conversation. A text's
        matches are kept with the text (info[5]), so a repeated sentence costs no lookup at all."""
        found = self._cache.get("similar")
        if found is None:
            found = self._cache["similar"] = {}
            index = self.literals.similar
            roles = None if None in index.roles else index.roles
            infos = self.infos
            for i, role in enumerate(self.roles):
                if roles is not None and role not in roles:
                    continue
                info = infos[i]
                pieces = info[5]
                if pieces is None:
                    pieces = info[5] = self._similar_pieces(i)
                elif pieces:
                    index.hits += 1  # answered without scoring, as SimilarIndex.found counts
                for number, start, end, note in pieces:
                    entry = found.get(number)
                    if entry is None:
                        found[number] = [(i, start, end, note)]
                    else:
                        entry.append((i, start, end, note))
        return found

    def _similar_pieces(self, i: int) -> tuple:
        """(condition number, start, end, note) for every similarity condition sentence i's text
        matches: the span in the text as written (the whole text when compared whole)."""
        text = self.sim_text(i)
        if not text:
            return ()
        pieces = []
        for number, (score, example, start, end) in self.literals.similar.found(text).items():
            if start is None:
                start, end = 0, len(self.sentences[i].text)
            else:
                origin = self.sim_origins(i)
                start, end = origin[start], origin[end - 1] + 1
            pieces.append((number, start, end, f"{score:.0f}% ~ {example}"))
        return tuple(pieces)

    # --- literal hits ------------------------------------------------------------------------
    def occurrences(self, lits, scope: frozenset[int] | None):
        """(literal, sentence, start, end) of every hit of `lits` in `scope` (None: everywhere),
        positions in the sentence's text."""
        return self.located(
            [
                (lit, i, s, e)
                for lit, found in self._hits_of(lits)
                for i, s, e in found
                if scope is None or i in scope
            ]
        )

    def _hits_of(self, lits):
        """(literal, hits) for the literals of `lits` that occur: a long list (a phrase list of
        2,000) is matched against the few literals the conversation has, not the other way round."""
        hits = self.hits
        if len(lits) > 8 and len(lits) > len(hits):
            members = lits if isinstance(lits, frozenset | set) else frozenset(lits)
            return [(lit, found) for lit, found in hits.items() if lit in members]
        return [(lit, hits[lit]) for lit in lits if lit in hits]

    def sentences_with(self, lits, scope: frozenset[int] | None) -> list[int]:
        chosen = set()
        for _lit, found in self._hits_of(lits):
            for i, _s, _e in found:
                if scope is None or i in scope:
                    chosen.add(i)
        return sorted(chosen)

    # --- scopes ------------------------------------------------------------------------------
    def scope(self, role: str | None, rng: tuple) -> tuple[tuple[int, ...], frozenset[int]]:
        """The sentence indices a condition looks at, in order, and as a set."""
        key = self.literals.scopes.get((role, rng), (role, rng))
        found = self._scopes.get(key)
        if found is not None:
            return found
        roles = self.roles
        kind = rng[0]
        if kind != "all":
            of_role = self.scope(role, ("all",))[0]
        elif role is None:
            of_role = tuple(range(len(roles)))
        else:
            of_role = tuple([i for i, r in enumerate(roles) if r == role])
        if kind == "first":
            chosen = of_role[: rng[1]]
        elif kind == "last":
            chosen = of_role[-rng[1] :] if rng[1] else ()
        elif kind == "between":
            begin = min((i for lit in rng[1] for i, _s, _e in self.hits.get(lit, ())), default=None)
            if begin is None:
                chosen = ()
            else:
                stop = min(
                    (i for lit in rng[2] for i, _s, _e in self.hits.get(lit, ()) if i > begin),
                    default=len(roles),
                )
                chosen = tuple(i for i in of_role if begin < i < stop)
        else:
            chosen = of_role
        found = self._scopes[key] = (chosen, frozenset(chosen))
        return found

    def cached(self, key, compute):
        value = self._cache.get(key, self)
        if value is self:
            value = self._cache[key] = compute()
        return value
