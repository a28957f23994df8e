# nrbook — everything installs itself into .venv on first use.
#   make pdf    set up, then build dist/<book>.pdf from content/
#   make test   set up with the test tools, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NRBOOK := $(BIN)/nrbook
SOURCE ?= content
OUT    ?= dist
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: all html pdf check test clean setup setup-test help

help:
	@echo "make pdf | html | all | check | test | clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(STAMP)
setup-test: $(TEST_STAMP)

all: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT)

html: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format html

pdf: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf

check: $(STAMP)
	$(NRBOOK) check --source $(SOURCE)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(OUT) .nrbook-cache .pytest_cache
