# ftgate developer commands. Every target that runs code sets up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

# Reinstalls only when a requirements or project file changed: idempotent.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Screens a clean and a harmful example on the embedded analyzer (no Azure needed).
demo: setup
	@echo "== examples/chat-clean.jsonl"
	@$(BIN)/ftgate scan-data examples/chat-clean.jsonl; echo "exit code $$?"
	@echo
	@echo "== examples/chat-harmful.jsonl"
	@$(BIN)/ftgate scan-data examples/chat-harmful.jsonl; echo "exit code $$?"

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m bench.screening

clean:
	rm -rf $(VENV) bench/.data .pytest_cache .ruff_cache
