# Haven: `make run` serves an instance, `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_DEPS := Django>=5.2,<5.3 django-otp>=1.7 django-otp-webauthn>=0.10 django-csp>=4.0 argon2-cffi>=25.1 \
	cryptography>=46 gunicorn>=23 whitenoise>=6.9 segno>=1.6 psycopg[binary]>=3.2 \
	trafilatura>=2.0 lxml_html_clean>=0.4 filetype>=1.2 iuliia>=0.13 rapidfuzz>=3.9 nicknames>=1.0 \
	pyrage>=1.2 python-calamine>=0.9 XlsxWriter>=3.2 django-tasks>=0.12 django-tasks-db>=0.13 \
	weasyprint>=66 docxtpl>=0.19 djangorestframework>=3.16 drf-spectacular>=0.28 \
	drf-spectacular-sidecar>=2025.1 PyStemmer>=3.1
BENCH_DEPS := pyarrow>=18 locust>=2.30
BENCH_NAMES := pyarrow locust
space := $(subst ,, )
TEST_DEPS := pytest>=8 pytest-django>=4.9 factory-boy>=3.3 hypothesis>=6.100 \
	playwright>=1.50 polib>=1.2 ruff>=0.9 zxing-cpp>=3.1 schemathesis>=4.0

.PHONY: run test lint format bench lock system-deps messages clean

run: $(VENV)/.run-installed
	$(BIN)/haven init
	$(BIN)/haven serve

test: system-deps $(VENV)/.test-installed
	scripts/run-tests

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.bench-installed
	@for script in bench/[a-z]*.py; do echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

# PostgreSQL and Chromium come from the system's packages.
system-deps:
	scripts/system-deps

# Collect new strings into the Russian catalogue (needs GNU gettext), then compile it
# after translating: haven/locale/ru/LC_MESSAGES/django.po.
messages: $(VENV)/.test-installed
	cd haven && ../$(BIN)/python ../manage.py makemessages -l ru --no-location
	$(BIN)/python scripts/compile-messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Haven needs Python 3.11 or newer as $(PYTHON) (set PYTHON=...)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements/run.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/run.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.run-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	touch $@

# Benchmarks also read Parquet data sets (pyarrow); the application never does.
$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.test-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	touch $@

# Re-resolve the pinned versions in a throwaway environment.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet $(foreach d,$(RUNTIME_DEPS),'$(d)')
	{ echo "# Pinned runtime dependencies; regenerate with 'make lock'."; .lock-venv/bin/pip freeze; } > requirements/run.txt
	.lock-venv/bin/pip install --quiet $(foreach d,$(TEST_DEPS),'$(d)')
	{ echo "# Pinned test dependencies (runtime ones included); regenerate with 'make lock'."; .lock-venv/bin/pip freeze; } > requirements/test.txt
	.lock-venv/bin/pip install --quiet $(foreach d,$(BENCH_DEPS),'$(d)')
	{ echo "# Pinned benchmark-only dependencies; regenerate with 'make lock'."; .lock-venv/bin/pip freeze | grep -i -E '^($(subst $(space),|,$(BENCH_NAMES)))=='; } > requirements/bench.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) test-artifacts
