# College Bot: `make run` starts the bot with the Agents Playground, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test lint deps fuzz

# `make run STORE=azurite`: the bot's store on Azure Blob Storage (a local Azurite) instead of a SQLite file
run: deps
	$(PY) deploy/local/run_local.py $(if $(STORE),--store $(STORE))

# The tests run in a private network namespace: nothing they start can reach anything but loopback.
test: deps
	deploy/local/ensure-chromium
	deploy/local/in-private-netns $(PY) -m pytest -ra tests

# A long run of the hostile-bodies property test (make test runs 2,000 derandomized examples): prints the counts
# by status code, mutation kind and Teams shape. FUZZ_SEED picks another sequence of examples.
FUZZ_EXAMPLES ?= 20000
FUZZ_SEED ?= 20261126
fuzz: $(PIP_STAMP)
	HOSTILE_EXAMPLES=$(FUZZ_EXAMPLES) HOSTILE_SEED=$(FUZZ_SEED) deploy/local/in-private-netns \
		$(PY) -m pytest -q -s -p no:cacheprovider --timeout=0 tests/http/test_hostile_bodies.py

lint: $(PIP_STAMP)
	$(PY) -m ruff check .

deps: $(PIP_STAMP) $(NPM_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): requirements.txt requirements-dev.txt constraints.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt -c constraints.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
