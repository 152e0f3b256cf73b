"""Every repository path the README and docs/*.md mention exists (a maintainer can trust them).

A path is what stands in backticks or as a link target and looks like one: it has a ``/`` and
ends in a file extension (``payments/services/refunds.py``), or ends in ``/`` and starts with
one of the repository's top-level entries (``payments/tests/``; ``sessions/{id}/`` is a URL).
URLs, URL paths (``/api/...``), elided examples (``...``) and what tools make (``.venv/``,
``.nox/``) are not repository paths. A path that leaves the repository (``../``) is an error:
a reader of the repository cannot follow it.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_PATH = re.compile(r"^[\w.\-/]+(\.[A-Za-z0-9]+|/)$")
_MADE_BY_TOOLS = (".venv/", ".nox/")
_TOP_LEVEL = {entry.name for entry in ROOT.iterdir()} | {".."}


def _candidates(text: str) -> set[str]:
    tokens = [token for code in _CODE.findall(text) for token in code.split()]
    tokens += [link.split("#")[0] for link in _LINK.findall(text)]
    return {
        token.split("::")[0].strip("\"'(),;")
        for token in tokens
        if "/" in token and "://" not in token and "..." not in token
    }


def mentioned_paths(text: str) -> set[str]:
    """The repository paths ``text`` mentions."""
    return {
        token
        for token in _candidates(text)
        if _PATH.match(token)
        and not token.startswith(("/", *_MADE_BY_TOOLS))
        and (not token.endswith("/") or token.split("/")[0] in _TOP_LEVEL)
    }


def test_the_path_finder_finds_paths_and_only_paths():
    text = (
        "See `payments/tests/` and [the fees](docs/fees.md#top), run "
        "`.venv/bin/pytest payments/tests/test_x.py -q`; POST `/api/payments/checkout/` at "
        "`http://127.0.0.1:8000/`; `cs_test_.../pay`; `payments.api.urls`; `../shared/STYLE.md`; "
        "`sessions/{id}/`, `connect/accounts/me/` (URLs); `services/people.py`; `.nox/`."
    )

    assert mentioned_paths(text) == {
        "payments/tests/",
        "docs/fees.md",
        "payments/tests/test_x.py",
        "../shared/STYLE.md",
        "services/people.py",
    }


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_path_a_document_mentions_exists_in_the_repository(document):
    missing, outside = [], []
    for path in sorted(mentioned_paths(document.read_text(encoding="utf-8"))):
        target = (document.parent if path.startswith(".") else ROOT) / path
        if not target.resolve().is_relative_to(ROOT):
            outside.append(path)
        elif not target.exists():
            missing.append(path)

    assert not outside, f"{document.name} names files outside the repository: {outside}"
    assert not missing, f"{document.name} names paths that do not exist: {missing}"
