"""The inspection engine (质检引擎): pure Python, no database. Rules compiled once, every
conversation checked in one pass per sentence; see kefu.quality.engine's modules.

    conversation    Sentence, Conversation (from Transcript.sentences)
    rules           validate_condition, compile_rules → CompiledRules.inspect / explain
    scoring         score (start ± items within floor and ceiling; fatal → floor)
    leaves          the operators, one class per condition type
    matching        the shared automaton and the per-conversation view (Context)
    regex_literals  the literal a regular expression requires (its prefilter)

Speed (bench/quality.py measures it against a naive engine computing the same results):
* one Aho–Corasick pass per sentence finds every word of every rule; a rule none of whose ways of
  being true has a word present (trigger) is skipped at the cost of a set lookup;
* identical conditions in several rules (the default emotion check, 你/您, a required greeting)
  share one operator, evaluated once per conversation;
* two bounded memos across conversations, keyed by the sentence text (scripted agent sentences
  such as 您好，很高兴为您服务 repeat from call to call): the text's literal hits, position map and
  similarity text (Literals.texts, 100,000 texts, cleared when full) and every similarity
  condition's best match for the normalised text (SimilarIndex.memo, 50,000 texts, least recently
  used out first), so each distinct sentence is scored once whatever the number of conditions;
* similarity scores only the examples whose character-pair bound the sentence reaches, and asks
  only the conditions such an example belongs to; which conditions matched a sentence is a
  trigger too, so a rule needing a similar sentence the conversation lacks is skipped;
* a trigger entry is one int (4 · literal + the role's code) and each text's entries are kept
  with its hits, so the words present are one set union per sentence;
* a condition settled by the words present is answered from that set without evaluating it:
  keywords `none` / `all` / `at_least` over a whole role, and `not` of words said anywhere;
* evidence is built only for conditions that are true (explain() builds it for false ones too).
The memos hold only what is a pure function of the text and the compiled rules, so results never
depend on what was inspected before (tests/quality/test_engine_shortcuts.py checks every shortcut
against the naive engine with Hypothesis).

Choices the specification leaves open, made here (docs/quality.md can quote them):
* Words (keywords, order, anchors, hold phrases, lexicon, phrase lists, 你) match on the
  knowledge base's normalisation: full-width = half-width, traditional = simplified (its table),
  case and spaces ignored. Regular expressions run on the sentence as written.
* `between` anchors are looked for in every sentence, whatever the condition's role; the range is
  the sentences of the role strictly after the first `from` sentence and before the next `to`
  sentence (to the end when there is none; empty when there is no `from`).
* `order` compares positions: a `then` word later in the same sentence as the `first` word counts.
* `similar` compares letters and digits only (punctuation and spaces dropped): a sentence no
  longer than the example is compared whole (fuzz.ratio), a longer one by its best passage
  (fuzz.partial_ratio), so "您好，非常高兴为您服务，请问…" contains "很高兴为您服务".
* `slow_reply` measures from the customer's message (its end, else its start) to the next agent
  sentence's start; a message nobody answered before the end has no reply time and is not flagged.
  `first` looks only at the first customer message with a timing.
* `silence` measures from the latest end so far (a short "嗯" inside a long sentence ends no
  silence); the finding names the sentence before the gap. Negative gaps (overlap, unordered
  timings) are not silences.
* `emotion`: a negation counts when it ends at most two characters before the word, with no
  punctuation between ("我不是要投诉", but not "不，我要投诉").
* A rule true without any sentence to show (`none`, `not`) carries one Evidence(sentence=None).
* Evidence notes are short technical English ("silence 12.4 s", "390 chars/min", "said 3 times",
  "forbidden: 没办法", "86% ~ example"): stored with findings, not translated at inspection time.
"""
