# FieldSafe developer commands. `make run` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DEMO := demo-workspace

.PHONY: run test lint typecheck pytest bench i18n lock odk-validate screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Pinned dependencies: requirements.lock holds the exact versions CI and users get.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

# The first run makes a demo workspace (git-ignored) to open the app on.
run: $(STAMP)
	@test -f $(DEMO)/fieldsafe.sqlite || $(BIN)/fieldsafe --workspace $(DEMO) demo --audits 80 --photos 24
	$(BIN)/fieldsafe --workspace $(DEMO) $(ARGS)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Extract the gettext catalogue of the core and CLI strings.
i18n: $(STAMP)
	$(BIN)/pybabel extract -k 'tr:1,1t' -k 'tr:1,2c,2t' -k 'tr:1,3t' -k translate:2 -o src/fieldsafe/locale/fieldsafe.pot src/fieldsafe

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^fieldsafe' > requirements.lock

# Check the built-in instruments with ODK Validate (the jar ships inside pyxform; needs java).
odk-validate: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q tests/integration/test_instruments.py -k odk_validate

# The README's pictures, rendered offscreen from a fresh demo workspace.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
