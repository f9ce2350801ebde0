# Two commands on a fresh machine:
#   make run   - create .venv, install requirements.txt, serve the app on http://127.0.0.1:5000
#   make test  - create .venv, install requirements-dev.txt, find a Chromium, run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
DATA_DIR ?= instance

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/python -m webapp --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# pytest exits 5 when it collects no tests; that is not a failure of the suite.
test: $(VENV)/.test-deps
	CHROMIUM="$$(PYTHON=$(BIN)/python sh scripts/find_chromium.sh)" $(BIN)/python -m pytest; \
	status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ]

bench: $(VENV)/.run-deps
	$(BIN)/python bench/bench_training.py --threads 1

clean:
	rm -rf $(VENV) .pytest_cache
