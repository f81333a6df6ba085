# Two commands matter: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo drill test browser catalogues messages clean

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The Indonesian catalogues, compiled from the .po files kept in the repository.
catalogues: $(STAMP)
	@$(PY) -m sync.catalogues compile >/dev/null

# After changing page or message strings: add the new ids to the catalogues.
messages: $(STAMP)
	$(PY) -m sync.catalogues update
	$(PY) -m sync.catalogues check

# The browser tests need Debian's chromium; install it when it is missing.
browser:
	@scripts/ensure-chromium

test: $(STAMP) catalogues browser
	$(PY) -m pytest $(PYTEST_ARGS)

demo: $(STAMP) catalogues
	$(PY) scripts/demo.py

# The outage drill (README): central down for DRILL_SECONDS while both branches serve.
drill: $(STAMP) catalogues
	$(PY) scripts/drill.py

clean:
	rm -rf $(VENV) instance
