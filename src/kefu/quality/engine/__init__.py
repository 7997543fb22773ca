"""The inspection engine (质检引擎): pure Python, no database. Rules compiled once, every
conversation checked in one pass per sentence; see kefu.quality.engine's modules.

    conversation  Sentence, Conversation (from Transcript.sentences)
    rules         validate_condition, compile_rules → CompiledRules.inspect / explain
    scoring       score (start ± items within floor and ceiling; fatal → floor)
"""
