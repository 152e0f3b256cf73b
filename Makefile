# A newcomer's two commands: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Production-like environment for `manage.py check --deploy`.
DEPLOY_ENV := DEBUG=false ALLOWED_HOSTS=payments.example.com \
	DJANGO_SECRET_KEY=ci-deploy-check-4f9a1b7c2d8e3f6a0b5c9d2e7f1a4b8c3d6e9f0a2b5c8d1e4f7 \
	STRIPE_SECRET_KEY=sk_test_deploycheck STRIPE_WEBHOOK_SECRET=whsec_deploycheck

.PHONY: install run test lint check pytest test-matrix test-integration bench clean test-stripe mutation soak soak-short

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## make run: migrate, load demo data, start the app, the task worker and the Stripe emulator.
# A few hundred demo payments of every status, once (a second `make run` adds none).
DEMO_SEED_ARGS := --count 400 --days 3 --seed 1 --if-empty
run: export DEBUG ?= true
run: export PAYMENTS_ALLOW_PRIVATE_CALLBACKS ?= true
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data
	$(PY) manage.py seed_demo_payments $(DEMO_SEED_ARGS)
	$(PY) manage.py load_bookings_demo
	./scripts/run-dev.sh

## make test: every check CI runs, then the whole test suite.
test: install lint check pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	$(DEPLOY_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(DEPLOY_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: install
	$(VENV)/bin/pytest

## make mutation: mutation testing of the pure core, the idempotency service and the webhook
## signature check (docs/mutation.md); fails below 95 % of mutants killed. Its own database.
mutation: install
	rm -rf mutants
	DATABASE_URL=$${MUTATION_DATABASE_URL:-$${DATABASE_URL:+$${DATABASE_URL%/*}/payments_mutation}} \
		$(VENV)/bin/mutmut run --max-children 2 > .mutmut.log 2>&1 || (tail -c 3000 .mutmut.log; exit 1)
	$(PY) scripts/mutation_score.py --minimum 95

## make test-matrix: the suite on the other Python / Django / database cells (noxfile.py).
# pyenv's interpreters go first on PATH (nox looks for python3.12, python3.13 by name).
PYENV_PATH := $(shell command -v pyenv >/dev/null 2>&1 && for v in 3.11 3.12 3.13; do \
	p=$$(pyenv prefix "$$(pyenv latest $$v 2>/dev/null)" 2>/dev/null) && printf '%s/bin:' "$$p"; done)
test-matrix: install
	PATH="$(PYENV_PATH)$$PATH" $(VENV)/bin/nox $(NOX_ARGS)

## make test-integration: the README's "Install into your project" steps, followed by a script
## in a fresh venv and `django-admin startproject` host, end to end against the installed
## emulator (scripts/integration_test.py; a few minutes, dependencies from the package index).
# Twice: the deployment's Python 3.11 and Django 5.2, then the newest cell (3.13, Django 6.0).
test-integration: install
	$(PY) scripts/integration_test.py
	PATH="$(PYENV_PATH)$$PATH" $(PY) scripts/integration_test.py --python python3.13 --django 6.0

## make soak: the chaos soak (docs/reliability.md): thousands of payments over several minutes
## on the real stack behind PgBouncer while processes die, PostgreSQL restarts once and Stripe
## and webhooks misbehave; passes only with zero differences. Not part of `make test`.
## make soak-short: a few hundred payments, every kind of fault at least once; CI runs it
## (.ci/run) after `make test`.
## SOAK_PG_RESTART=0 leaves a shared PostgreSQL alone. Its own database: <DATABASE_URL's>_soak.
soak: install
	$(PY) -m scripts.soak --json .soak-figures.json

soak-short: install
	$(PY) -m scripts.soak --short --json .soak-figures.json

## make bench: the benchmarks behind docs/benchmarks.md (needs PostgreSQL).
bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache db.sqlite3 mutants .mutmut.log .soak-figures.json

## make test-stripe: the adapter's contract suite against real Stripe test mode
## (STRIPE_CONTRACT_SECRET_KEY=sk_test_...; any other key is refused before a request is sent).
test-stripe: install
	$(PY) -m payments.tests.contract.run_stripe
