# Everything a developer needs starts from these targets; only Python 3.11+
# and make are assumed. DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8000

# pipefail: a command piped through a filter still fails the target.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# pip names every configured package folder it cannot find, once per package;
# the noise would hide a real error.
PIP_NOISE := ^WARNING: Location 'file://[^']*' is ignored

.PHONY: run test setup lint format messages clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 \
		| { grep -v -E "$(PIP_NOISE)" || true; }
	@touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var
	$(PY) manage.py compile_translations
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py seed_demo

# honcho runs web, worker and beat in the foreground; Ctrl-C stops all three.
# The demo activity of this month is moved to today, so a check-in can be tried
# on any day. honcho answers Ctrl-C with status 130 once all three have
# stopped cleanly: that is a normal end, not an error for make to report.
run: setup
	$(PY) manage.py demo_open_today
	@$(PY) manage.py demo_logins --url http://127.0.0.1:$(PORT)/
	PORT=$(PORT) $(BIN)/honcho --procfile Procfile.dev start || test $$? -eq 130

test: $(STAMP)
	$(PY) manage.py compile_translations --verbosity 0
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*' --ignore 'bench/*' --no-obsolete

clean:
	rm -rf $(VENV) var staticfiles
