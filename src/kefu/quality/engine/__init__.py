"""The inspection engine (质检引擎): pure Python, no database. Rules compiled once, every
conversation checked in one pass per sentence; see kefu.quality.engine's modules."""
