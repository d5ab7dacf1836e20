# pmhc: `make run` serves the demo; `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup check format demo-reset clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("pmhc needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "pmhc needs Node.js and npm to install its front-end assets (see README)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(BIN)/pmhc run --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The checks CI runs besides the tests. check --deploy silences pmhc.W001 (the proxy's client
# address is not trusted) rather than trusting X-Forwarded-For: CI has no proxy to trust.
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pmhc makemigrations --check --dry-run
	PMHC_MODE=production PMHC_SECRET_KEY=check-deploy-$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n') \
	  PMHC_AUDIT_KEY=check-deploy-$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') \
	  PMHC_ALLOWED_HOSTS=pmhc.example.org PMHC_PUBLIC_BASE_URL=https://pmhc.example.org \
	  PMHC_SILENCED_CHECKS=pmhc.W001 \
	  $(BIN)/pmhc check --deploy --fail-level WARNING

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo-reset: setup
	$(BIN)/pmhc demo --reset

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
