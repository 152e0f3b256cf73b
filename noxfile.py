"""The compatibility matrix (`make test-matrix`): the test suite on the other supported cells.

`make test` is the main cell (Python 3.11, Django 5.2, PostgreSQL, with the linters). These
cells cover every other supported Python, both Django versions and both databases without the
full cartesian product; each runs only pytest. Django 6.0 needs Python 3.12+.

Each PostgreSQL cell uses its own database, named after ``DATABASE_URL``'s with the cell's id
appended (pytest-django then prefixes ``test_``), so cells never share tables with `make test`
or with each other. ``nox -l`` lists the cells; ``nox -s "tests-3.13-django6.0-sqlite"`` runs one.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# Pins per Django series; the rest comes from requirements-dev.txt (the deployment's pins).
DJANGO_PINS = {"5.2": "Django==5.2.19", "6.0": "Django==6.0.10"}
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/payments"

CELLS = [
    ("3.12", "6.0", "postgres"),
    ("3.13", "6.0", "sqlite"),
    ("3.13", "5.2", "postgres"),
    ("3.11", "5.2", "sqlite"),
]


def cell_database_url(cell_id: str, database: str, base_url: str) -> str:
    """Each cell gets its own database: its own PostgreSQL name, or its own SQLite file."""
    if database == "sqlite":
        return f"sqlite:///.nox/{cell_id}.sqlite3"
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "payments"
    return urlunsplit(parts._replace(path=f"/{name}_{cell_id}"))


def cell_requirements(django: str) -> str:
    """requirements-dev.txt with the cell's Django pin in place of the deployment's."""
    lines = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        with open(name) as file:
            text = file.read()
        for line in text.splitlines():
            if line.startswith("-r ") or line.lower().startswith("django=="):
                continue
            lines.append(line)
    return "\n".join([DJANGO_PINS[django], *lines]) + "\n"


def _make_cell(python: str, django: str, database: str) -> None:
    cell_id = f"py{python.replace('.', '')}_dj{django.replace('.', '')}_{database}"

    @nox.session(name=f"tests-{python}-django{django}-{database}", python=python)
    def cell(session: nox.Session) -> None:
        requirements = os.path.join(session.create_tmp(), "requirements.txt")
        with open(requirements, "w") as file:
            file.write(cell_requirements(django))
        session.install("-r", requirements)
        base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        env = {"DATABASE_URL": cell_database_url(cell_id, database, base_url)}
        if database == "sqlite":
            env["PAYMENTS_TEST_SQLITE_NAME"] = f".nox/{cell_id}-test.sqlite3"
            # The PostgreSQL-only tests skip here; CI=true would fail them (they run in the
            # PostgreSQL cells and in `make test`).
            env["CI"] = ""
        session.run("python", "-c", "import sys, django; print(sys.version, django.__version__)")
        session.run("pytest", "-q", "-p", "no:randomly", *session.posargs, env=env)


for _python, _django, _database in CELLS:
    _make_cell(_python, _django, _database)
