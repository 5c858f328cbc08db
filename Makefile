# Two entry points for a fresh machine with Python 3.11:
#   make demo   set up .venv from requirements.lock, run the pipeline on corpus/articles -> reports/sample/
#   make test   same set-up (+ Debian's chromium for the report tests), then the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv browser model clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/framing run corpus/articles --out reports/sample

# The report tests drive a real headless browser: Debian's chromium.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# Retrain the shipped model on every labelled file (the documented command).
model: $(STAMP)
	$(BIN)/framing train corpus/labelled/seed.jsonl corpus/labelled/authored.jsonl --real corpus/labelled/real.jsonl --group-by article_id --out models/conflation.joblib

clean:
	rm -rf $(VENV) .pytest_cache
