# The two commands of the README:  `make run`  and  `make test`.
# Everything else here is what those two need on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PORT   ?= 8501

.PHONY: run test test-fast lint lint-only install install-test system-run system-test seed bench

run: install system-run seed  ## install, load data when the store is empty, start the app on :8501
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: install-test system-test  ## install everything the tests need, lint and type-check, run the whole suite
	$(MAKE) --no-print-directory lint-only
	$(BIN)/python -m pytest

test-fast: install-test  ## the quick part while you work: no browser, no real data, no servers
	$(BIN)/python -m pytest -q -m "not browser and not shared_data and not slow and not network"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-test: $(VENV)/.test-installed

# Debian libraries: Pango for WeasyPrint (PDF export), fonts; Chromium and poppler for the browser and PDF tests.
RUN_DEBS  := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils nginx
system-run:
	@dpkg -s $(RUN_DEBS) >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(RUN_DEBS))
system-test:
	@dpkg -s $(TEST_DEBS) >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(TEST_DEBS))

seed: install  ## fill an empty store from WIJKKOMPAS_SEED_DIR (default ../shared/data); no network needed
	$(BIN)/python -m wijkkompas seed

bench: install-test  ## speed and memory benchmarks (not part of the tests)
	$(BIN)/python benchmarks/run_all.py

lint: install-test lint-only

lint-only:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy wijkkompas
