# Two entry points for a fresh machine (Python 3.11+, make, a shell):
#   make run   installs what the website needs, builds the knowledge base from data/ and starts the website
#   make test  installs everything (the methods' torch and Chromium included) and runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-site browser run build test test-fast lint docs benchmarks clean

# Everything: the site, the methods (torch, CPU build pinned in pyproject) and the test tools.
install: $(VENV)/.installed-all
# What the knowledge base, the CLI and the website need; the Methods page says how to add the demos.
install-site: $(VENV)/.installed-site

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Each stamp is remade when pyproject.toml changes.
$(VENV)/.installed-all: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,methods]'
	touch $@ $(VENV)/.installed-site

$(VENV)/.installed-site: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Debian's Chromium for the end-to-end browser tests (Playwright drives it; nothing is downloaded by Playwright).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

build: install-site
	$(BIN)/atlas build

run: build
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: install browser lint
	$(BIN)/atlas validate --strict
	$(BIN)/python -m pytest -q --hypothesis-profile=ci

test-fast: install
	$(BIN)/python -m pytest -q -m "not browser" --hypothesis-profile=ci

# The gates: ruff (pyflakes, pycodestyle, isort, bugbear, blind except; formatting) and mypy, configured in
# pyproject.toml; the same hooks run from .pre-commit-config.yaml and in both GitHub workflows.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Lists the docs repeat (README's command table, CONTRIBUTING's and the issue form's leaf ids), regenerated
# from the parser and the taxonomy; tests/cli/test_generated_docs.py fails when one is stale.
DOCS := README.md CONTRIBUTING.md .github/ISSUE_TEMPLATE/suggest-paper.yml
docs: install
	$(BIN)/cog -r -I . $(DOCS)

benchmarks: install browser
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_related.py
	$(BIN)/python benchmarks/bench_website.py

clean:
	rm -rf $(VENV) atlas.db test-artifacts .pytest_cache
