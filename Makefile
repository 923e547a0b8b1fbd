# Ringfence: `make run` starts the app, `make test` runs every check. Both work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/fund.duckdb
PORT ?= 8501

.PHONY: run test lint fmt bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(DB): | $(VENV)/.installed
	$(BIN)/fund --db $(DB) demo

demo: $(DB)

run: $(VENV)/.installed $(DB)
	RINGFENCE_DB=$(DB) $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed lint
	sh tests/browser/ensure_chromium.sh
	$(BIN)/python -m pytest -n 2 -q

bench: $(VENV)/.installed
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
