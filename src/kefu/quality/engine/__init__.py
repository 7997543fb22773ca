"""The inspection engine (质检引擎): pure Python, no database. Rules compiled once, every
conversation checked in one pass per sentence; see kefu.quality.engine's modules.

    conversation    Sentence, Conversation (from Transcript.sentences)
    rules           validate_condition, compile_rules → CompiledRules.inspect / explain
    scoring         score (start ± items within floor and ceiling; fatal → floor)
    leaves          the operators, one class per condition type
    matching        the shared automaton and the per-conversation view (Context)
    regex_literals  the literal a regular expression requires (its prefilter)

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
