# FieldSafe developer commands. `make run` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint typecheck pytest bench i18n lock odk-validate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Pinned dependencies: requirements.lock holds the exact versions CI and users get.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

run: $(STAMP)
	$(BIN)/fieldsafe $(ARGS)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Extract the gettext catalogue of the core and CLI strings.
i18n: $(STAMP)
	$(BIN)/pybabel extract -o src/fieldsafe/locale/fieldsafe.pot src/fieldsafe

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^fieldsafe' > requirements.lock

# Check the built-in instruments with ODK Validate (the jar ships inside pyxform; needs java).
odk-validate: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q tests/integration/test_instruments.py -k odk_validate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
