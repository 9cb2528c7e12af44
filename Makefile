# Two commands a newcomer needs: `make run` and `make test`. Everything else is for us.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 7071
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt local_host/requirements.txt | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell sha1sum package.json package-lock.json 2>/dev/null | sha1sum | cut -c1-12)
# checkov pins many packages of its own, so it lives in a venv of its own
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell sha1sum infra/requirements-checkov.txt | cut -c1-12)

.PHONY: setup run test bench lint clean

$(STAMP):
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $@

$(CHECKOV_STAMP): infra/requirements-checkov.txt
	test -d $(CHECKOV_VENV) || $(PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check -r infra/requirements-checkov.txt
	rm -f $(CHECKOV_VENV)/.installed-* && touch $@

setup: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)

run: setup
	$(BIN)/python -m local_host --port $(PORT) --load-sample

test: setup
	$(BIN)/python -m pytest

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(CHECKOV_VENV)/bin/checkov -d infra --framework terraform --compact --quiet

clean:
	rm -rf .scout .pytest_cache
