# One command per routine job; .ci/run calls `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test lint format bench clean

$(BIN)/perp-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/perp-graph

demo: setup
	$(BIN)/perp-graph demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench_embedded.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
