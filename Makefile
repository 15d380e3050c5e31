# The two commands of the README's quick start, and the checks CI runs.
# Everything installs into .venv from the project's own pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test docs lint bench install

$(BIN)/cjo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/cjo

install: $(BIN)/cjo

demo: $(BIN)/cjo
	$(BIN)/cjo demo

test: $(BIN)/cjo
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	$(MAKE) docs
	$(BIN)/python -m pytest -n auto --maxprocesses=4 --dist worksteal --durations=25

# The user documentation, built strict (a broken link or anchor fails) into site/ (gitignored).
docs: $(BIN)/cjo
	$(BIN)/mkdocs build --strict --site-dir site

lint: $(BIN)/cjo
	$(BIN)/ruff check cjo_cli tests scripts benchmarks
	$(BIN)/ruff format --check cjo_cli tests scripts benchmarks
	$(BIN)/mypy --strict cjo_cli
	$(BIN)/lint-imports --no-cache

bench: $(BIN)/cjo
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/validate_bench.py --hostile
