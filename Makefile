# Every target sets up what it needs from scratch: a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed

.PHONY: run test lint bench eval etl clean scale loadtest

run: $(INSTALLED)
	$(BIN)/streambot etl --if-stale
	$(BIN)/streambot run

test: $(TEST_INSTALLED)
	$(BIN)/ruff check etl recommender bot tests scripts
	$(BIN)/ruff format --check etl recommender bot tests scripts
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

etl: $(INSTALLED)
	$(BIN)/streambot etl

eval: $(INSTALLED)
	$(BIN)/python -m scripts.evaluate

bench: $(INSTALLED)
	$(BIN)/streambot etl --if-stale
	$(BIN)/python -m scripts.bench

# 23k (real), 100k and 1M titles; synthetic data is generated once into data/scale/ (ignored).
scale: $(INSTALLED)
	$(BIN)/python scripts/scale.py

# The real bot process (polling, webhook) against a fake Bot API; see BENCHMARKS.md.
loadtest: $(TEST_INSTALLED)
	$(BIN)/streambot etl --if-stale
	$(BIN)/python -m scripts.loadtest

lint: $(TEST_INSTALLED)
	$(BIN)/ruff check etl recommender bot tests scripts

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) data/processed .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
