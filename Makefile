# The two set-up commands of README.md, and a few conveniences for developers.
# Extra arguments: make run ARGS="--port 9000"   make test ARGS="-x -k sla"

.PHONY: run test install lint format

LINT_PATHS := src tests $(wildcard bench)

run:      ## install, then run Kefu on http://127.0.0.1:8000/ with demo data (Ctrl-C stops it)
	@bash scripts/run $(ARGS)

test:     ## install, then lint and run the whole test suite on SQLite and PostgreSQL
	@bash scripts/test $(ARGS)

install:  ## install uv if missing and the locked dependencies into .venv
	@bash scripts/install

lint:     ## ruff checks and formatting check, as the test command runs them
	uv run --frozen ruff check $(LINT_PATHS)
	uv run --frozen ruff format --check $(LINT_PATHS)

format:   ## apply ruff's fixes and formatting
	uv run --frozen ruff check --fix $(LINT_PATHS)
	uv run --frozen ruff format $(LINT_PATHS)
