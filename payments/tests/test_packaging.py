"""The distribution: what the wheel holds, and a declared dependency behind every import.

The wheel is built from a copy of the sources (never from the working tree, whose ``build/``
directory could hold files that no longer exist), the way an integrator's ``pip`` builds it.
"""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "payments"
KNOWN_DEMO_SECRETS = ["demokey1.local-demo-key-not-secret", "cbsec_local_demo_callback_secret"]


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    """``"Django>=5.2,<6.1"`` -> ``"django"`` (PEP 503 normalised)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _built_wheel(source: Path, out: Path):
    """Build ``source`` the way an integrator's pip does and open the wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(source), "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "payments", ignore=shutil.ignore_patterns("__pycache__"))
    yield from _built_wheel(source, tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_what_the_app_needs(wheel):
    names = wheel.namelist()

    assert "payments/py.typed" in names
    assert "payments/templates/admin/payments/dashboard.html" in names
    assert "payments/templates/payments/email/receipt.txt" in names
    assert "payments/migrations/0001_initial.py" in names
    assert "payments/apps.py" in names
    assert not [n for n in names if n.startswith("payments/tests/")]
    assert not [n for n in names if n.startswith("stripe_emulator/")], "the emulator shipped"
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert "MIT License" in wheel.read(license_file).decode()
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert "Provides-Extra: testing" in text
    assert "Classifier: Framework :: Django :: 6.0" in text


def test_the_wheel_has_no_demo_commands_or_known_secrets(wheel):
    names = wheel.namelist()

    assert not [n for n in names if "demo" in n.rsplit("/", 1)[-1]], "demo modules shipped"
    commands = {n.rsplit("/", 1)[-1] for n in names if "/management/commands/" in n}
    assert "create_api_client.py" in commands
    assert not commands & {"load_demo_data.py", "seed_demo_payments.py"}
    # The code and data that run; METADATA carries the README, which documents the sample
    # deployment's demo key as such.
    for name in (n for n in names if n.startswith("payments/")):
        content = wheel.read(name)
        for secret in KNOWN_DEMO_SECRETS:
            assert secret.encode() not in content, f"{secret} is in {name}"


def _third_party_imports(directory: Path, *, skip: tuple[str, ...] = ()) -> set[str]:
    found = set()
    for path in directory.rglob("*.py"):
        if any(part in skip for part in path.relative_to(directory).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "payments"}


def _emulator_project() -> dict:
    return tomllib.loads((ROOT / "stripe_emulator" / "pyproject.toml").read_text())["project"]


def _distributions(modules: set[str]) -> set[str]:
    # The emulator is built from this repository, so it need not be installed here.
    owners = {**packages_distributions(), "stripe_emulator": [_emulator_project()["name"]]}
    return {_name(owners[module][0]) for module in modules}


def test_every_runtime_import_has_a_declared_dependency():
    declared = {_name(r) for r in _project()["dependencies"]}

    needed = _distributions(_third_party_imports(PACKAGE, skip=("tests", "testing")))

    assert needed <= declared, f"undeclared: {needed - declared}"
    # What only this deployment needs stays out of the app's requirements.
    assert not declared & {"psycopg", "gunicorn", "python-dotenv", "dj-database-url"}


def test_the_testing_extra_declares_what_payments_testing_imports():
    project = _project()
    declared = {
        _name(r) for r in project["dependencies"] + project["optional-dependencies"]["testing"]
    }

    needed = _distributions(_third_party_imports(PACKAGE / "testing"))

    assert needed <= declared, f"undeclared in the testing extra: {needed - declared}"
    assert {"factory-boy", "pytest", "pytest-django"} <= declared


def test_the_readme_shows_the_tested_integration_example():
    example = (PACKAGE / "tests" / "test_integrator_example.py").read_text().rstrip("\n")
    readme = (ROOT / "README.md").read_text()

    assert f"```python\n{example}\n```" in readme
    assert 'path("api/payments/", include("payments.urls"))' in readme


@pytest.fixture(scope="module")
def emulator_wheel(tmp_path_factory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("emulator") / "stripe_emulator"
    shutil.copytree(ROOT / "stripe_emulator", source, ignore=shutil.ignore_patterns("__pycache__"))
    yield from _built_wheel(source, tmp_path_factory.mktemp("emulator-wheel"))


def test_the_emulator_is_its_own_distribution(emulator_wheel):
    names = emulator_wheel.namelist()

    assert "stripe_emulator/__main__.py" in names
    assert "stripe_emulator/resources/payment_intents.py" in names
    assert not [n for n in names if not n.startswith(("stripe_emulator/", "payments_stripe"))]
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = emulator_wheel.read(metadata).decode()
    assert "Name: payments-stripe-emulator" in text
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert (
        "stripe-emulator = stripe_emulator.__main__:main"
        in emulator_wheel.read(entry_points).decode()
    )


def test_the_emulator_declares_what_it_imports_and_needs_no_django():
    declared = {_name(r) for r in _emulator_project()["dependencies"]}

    imports = _third_party_imports(ROOT / "stripe_emulator")

    assert "django" not in imports and "payments" not in imports
    assert _distributions(imports - {"stripe_emulator"}) <= declared
    testing = {_name(r) for r in _project()["optional-dependencies"]["testing"]}
    assert _name(_emulator_project()["name"]) in testing
