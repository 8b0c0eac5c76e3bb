# LocalStat: `make run` and `make test` are the two commands a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CSS := localstat/static/build/localstat.css

.PHONY: install run test lint openapi lock clean

install: $(VENV)/.installed node_modules/.installed $(CSS)

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CSS): node_modules/.installed assets/scss/localstat.scss
	npm run --silent build

run: install
	$(BIN)/localstat demo
	$(BIN)/localstat serve

test: install
	scripts/run-tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

openapi: install
	$(BIN)/localstat export_openapi_schema --api localstat.api.urls.api --indent 2 --sorted > docs/openapi.json

# Re-pin every Python dependency after changing pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) node_modules localstat/static/build var/staticfiles
