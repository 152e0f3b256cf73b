"""The README's integration steps, followed by a script: a fresh host project takes a payment.

`make test-integration` (CI runs it after `make test`). In a temporary directory it:

1. copies the sources (the "checkout": no ``build/`` or egg-info lands in the repository),
   creates a fresh virtual environment and a host project (``django-admin startproject mysite``,
   once step 1 has installed the wheel, which must bring neither the emulator nor demo commands);
2. applies the fenced blocks of the README's ``## Install into your project`` section, in
   order: ``sh`` lines run in the venv (``export`` lines set the environment of the
   lines after them) (``pip wheel`` in the checkout, everything else in the
   host project), ``python`` blocks are appended to ``mysite/settings.py`` (step 2) and
   ``mysite/urls.py`` (step 3), a block whose first line is ``# <file>`` is written to that
   file, and the example test is written to ``test_integrator_example.py``;
3. starts the README's offline block (the emulator, ``payments_worker`` and ``runserver``) in the
   background, with its ports (12111, 8000) and secret (``whsec_local``) replaced by free ports
   and a fresh secret; step 5's ``stripe listen`` (Stripe's CLI) and step 6's lone worker are
   what that block does offline, so they are not run separately;
4. creates a Checkout payment over HTTP with the key ``create_api_client --json`` printed (step
   4's line; its ``--callback-url`` example host is dropped: it resolves only on the internet),
   pays it through the emulator's control endpoint, and polls the status endpoint until it
   says ``succeeded`` (bounded);
5. runs the README's example test with pytest in the host (the ``testing`` extra's plugin and
   the emulator) and a test of the extra's factories, and ``manage.py check`` without a
   required app, without ``TASKS`` and without a Stripe key, expecting each to be named.

Dependencies come from the package index, pinned to this repository's tested set
(``requirements*.txt`` as ``PIP_CONSTRAINT``) so the run is reproducible; ``--django 6.0`` takes
the matrix's pin for that series instead, ``--python`` the interpreter of the venv. If a step
the README gives is not enough, fix the README, not this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOXFILE = ROOT / "noxfile.py"
SECTION = "## Install into your project"
PROJECT = "mysite"
EXAMPLE_TEST = "test_integrator_example.py"
# The README's offline block names these; the script substitutes its own.
README_EMULATOR_PORT, README_HOST_PORT, README_WEBHOOK_SECRET = "12111", "8000", "whsec_local"
BACKGROUND_MARKERS = ("runserver", "payments_worker", "stripe_emulator --port")
DEADLINE_SECONDS = 60
# Beside the README's example: the testing extra's factories work in the host.
FACTORIES_TEST = """
import pytest

from payments.models import PaymentSession
from payments.testing.factories import PaymentSessionFactory


@pytest.mark.django_db
def test_the_factories_build_a_payment_session():
    session = PaymentSessionFactory(amount=1234)

    stored = PaymentSession.objects.get(pk=session.pk)
    assert (stored.amount, stored.currency) == (1234, "gbp")
    assert stored.customer.api_client_id == stored.api_client_id
"""


def readme_blocks(readme: str) -> list[tuple[int, str, str]]:
    """(step number, language, text) of each fenced block in the install section, in order."""
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start : end if end != -1 else None]
    blocks, step = [], 0
    pattern = re.compile(r"^\*\*(\d+)\. |^```(\w*)\n(.*?)^```$", re.M | re.S)
    for match in pattern.finditer(section):
        if match.group(1):
            step = int(match.group(1))
        else:
            blocks.append((step, match.group(2), match.group(3)))
    if not blocks:
        raise SystemExit(f"no fenced blocks under {SECTION!r} in README.md")
    return blocks


def shell_lines(text: str) -> list[str]:
    """The commands of an ``sh`` block, backslash continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Run:
    """One integration run: the directories, the venv's environment and the background jobs."""

    def __init__(self, work: Path, stack: ExitStack, python: str, django: str) -> None:
        self.work, self.stack, self.python, self.django = work, stack, python, django
        self.checkout, self.host, self.venv = work / "checkout", work / "host", work / "venv"
        self.emulator_port, self.host_port = free_port(), free_port()
        self.webhook_secret = f"whsec_it_{os.getpid()}"
        self.env = dict(os.environ)
        for name in ("VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL"):
            self.env.pop(name, None)
        self.env.update(
            PATH=f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
            VIRTUAL_ENV=str(self.venv),
            PIP_CONSTRAINT=str(work / "constraints.txt"),
            PYTHONDONTWRITEBYTECODE="1",
        )

    def sh(self, command: str, *, cwd: Path, env: dict | None = None) -> str:
        print(f"$ {command}", flush=True)
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise SystemExit(
                f"failed ({result.returncode}): {command}\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def background(self, script: str, log_name: str) -> None:
        """Run ``script`` in its own process group; the whole group is killed at the end."""
        print(f"$ (background) {script}", flush=True)
        log = (self.work / log_name).open("w")
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=self.host,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(_kill_group, process)
        self.stack.callback(log.close)

    def log_tail(self, log_name: str) -> str:
        return (self.work / log_name).read_text()[-20000:]


def _kill_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=10)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def prepare(run: Run) -> None:
    """The checkout copy, the constraints, the venv and the host project."""
    ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "dist", "tests")
    run.checkout.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, run.checkout / name)
    shutil.copytree(ROOT / "payments", run.checkout / "payments", ignore=ignore)
    shutil.copytree(ROOT / "stripe_emulator", run.checkout / "stripe_emulator", ignore=ignore)
    pins = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if re.match(r"^[A-Za-z0-9]", line):
                pins.append(re.sub(r"\[.*?\]", "", line))
    if run.django:  # the matrix's pin for that series (noxfile.py's DJANGO_PINS)
        match = re.search(rf'"{re.escape(run.django)}": "(Django==[^"]+)"', NOXFILE.read_text())
        if not match:
            raise SystemExit(f"--django {run.django}: not a series in noxfile.py's DJANGO_PINS")
        pins = [p for p in pins if not p.lower().startswith("django==")] + [match.group(1)]
    (run.work / "constraints.txt").write_text("\n".join(pins) + "\n")
    subprocess.run([run.python, "-m", "venv", str(run.venv)], check=True)
    run.sh("python -m pip install --quiet --upgrade pip", cwd=run.work)
    # Wheels land in the checkout's dist/; the host project sees the same directory.
    (run.checkout / "dist").mkdir()
    run.host.mkdir()
    (run.host / "dist").symlink_to(run.checkout / "dist", target_is_directory=True)


def apply_step(run: Run, step: int, language: str, text: str) -> str | None:
    """Apply one README block; returns the API key when the block created the client."""
    if language == "sh":
        if any(marker in text for marker in BACKGROUND_MARKERS):
            if "stripe_emulator --port" in text:
                run.background(substitute(run, text), "serve.log")
            return None  # step 6's lone worker: the offline block runs it
        key = None
        for line in shell_lines(text):
            if line.startswith("export "):
                print(f"$ {line}", flush=True)
                run.env.update(re.findall(r"(\w+)=(\S+)", line))
                continue
            if line.startswith("stripe listen"):
                continue  # Stripe's CLI: the emulator forwards the webhooks instead
            if "create_api_client" in line:
                line = re.sub(r"\s--callback-url\s+\S+", "", line) + " --json"
                key = json.loads(run.sh(line, cwd=run.host))["api_key"]
                continue
            run.sh(line, cwd=run.checkout if line.startswith("pip wheel") else run.host)
        return key
    first = text.splitlines()[0]
    if first.startswith("# ") and "." in first and " " not in first[2:]:
        (run.host / first[2:]).write_text(text)
    elif "def test_" in text:
        (run.host / EXAMPLE_TEST).write_text(text)
    elif step in (2, 3):
        target = run.host / PROJECT / ("settings.py" if step == 2 else "urls.py")
        target.write_text(target.read_text() + "\n\n" + text)
    else:
        raise SystemExit(f"README step {step}: no rule for this {language} block:\n{text}")
    return None


def substitute(run: Run, text: str) -> str:
    text = text.replace(f"127.0.0.1:{README_EMULATOR_PORT}", f"127.0.0.1:{run.emulator_port}")
    text = text.replace(f"--port {README_EMULATOR_PORT}", f"--port {run.emulator_port}")
    text = text.replace(f"127.0.0.1:{README_HOST_PORT}", f"127.0.0.1:{run.host_port}")
    text = text.replace(f"runserver {README_HOST_PORT}", f"runserver {run.host_port} --noreload")
    return text.replace(README_WEBHOOK_SECRET, run.webhook_secret)


def http(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.read()


def wait_until_up(run: Run, url: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up:\n{run.log_tail('serve.log')}")


def take_a_payment(run: Run, api_key: str) -> None:
    """Checkout over HTTP, paid at the emulator; the status endpoint must say succeeded."""
    api = f"http://127.0.0.1:{run.host_port}/api/payments"
    emulator = f"http://127.0.0.1:{run.emulator_port}"
    wait_until_up(run, f"{emulator}/v1/balance")
    wait_until_up(run, f"{api}/sessions/")
    auth = {"Authorization": f"Api-Key {api_key}", "Content-Type": "application/json"}
    body = {
        "payable_type": "order",
        "payable_id": "it-1",
        "amount": 2500,
        "currency": "eur",
        "customer": {"email": "ada@example.com"},
        "success_url": "https://shop.example/paid",
        "cancel_url": "https://shop.example/",
    }
    headers = {**auth, "Idempotency-Key": "integration-order-1"}
    status, raw = http("POST", f"{api}/checkout/", data=json.dumps(body).encode(), headers=headers)
    created = json.loads(raw)
    print(f"created {created['id']} ({status}): {created['status']}", flush=True)
    pay = f"{emulator}/_emulator/checkout/sessions/{created['stripe_checkout_session_id']}/pay"
    http("POST", pay, data=b"payment_method=pm_card_visa")
    deadline, seen = time.monotonic() + DEADLINE_SECONDS, None
    while time.monotonic() < deadline:
        seen = json.loads(http("GET", f"{api}/sessions/{created['id']}/", headers=auth)[1])
        if seen["status"] == "succeeded":
            print(f"status endpoint: {seen['status']}", flush=True)
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"not succeeded: {seen}\n{run.log_tail('serve.log')}")
    # The emulator's signed delivery reached the host and was accepted (runserver's log).
    if '"POST /api/payments/webhook/stripe/ HTTP/1.1" 200' not in run.log_tail("serve.log"):
        raise SystemExit(f"no accepted webhook delivery:\n{run.log_tail('serve.log')}")


def check_production_install(run: Run) -> None:
    """Step 1's wheel alone: payments without the emulator or the demo commands."""
    probe = (
        "import importlib.util as u; "
        "assert u.find_spec('payments'), 'payments is not installed'; "
        "assert not u.find_spec('stripe_emulator'), 'the emulator came with the wheel'; "
        "assert not u.find_spec('payments.management.commands.load_demo_data'), 'demo data'"
    )
    run.sh(f'python -c "{probe}"', cwd=run.work)


def check_names_what_is_missing(run: Run) -> None:
    """``manage.py check`` without a required app, without TASKS, without a key: names each."""
    settings = run.host / PROJECT
    cases = {
        "without_app": (
            "INSTALLED_APPS = [a for a in INSTALLED_APPS if a != 'rest_framework_api_key']",
            "'rest_framework_api_key' must be in INSTALLED_APPS",
        ),
        "without_tasks": ("del TASKS", "payments.E041"),
        "without_key": (
            "PAYMENTS['STRIPE_SECRET_KEY'] = ''",
            "(payments.E001) PAYMENTS['STRIPE_SECRET_KEY'] is not set",
        ),
    }
    for name, (change, expected) in cases.items():
        (settings / f"settings_{name}.py").write_text(f"from .settings import *\n\n{change}\n")
        env = {**run.env, "DJANGO_SETTINGS_MODULE": f"{PROJECT}.settings_{name}"}
        result = subprocess.run(
            ["python", "manage.py", "check"], cwd=run.host, env=env, capture_output=True, text=True
        )
        if result.returncode == 0 or expected not in result.stderr:
            raise SystemExit(f"check {name}: expected {expected!r}:\n{result.stderr}")
        print(f"manage.py check {name}: names {expected!r}", flush=True)


def integrate(run: Run) -> None:
    prepare(run)
    api_key = None
    for step, language, text in readme_blocks((ROOT / "README.md").read_text()):
        if step >= 2 and not (run.host / "manage.py").exists():
            check_production_install(run)
            run.sh(f"django-admin startproject {PROJECT} .", cwd=run.host)
        api_key = apply_step(run, step, language, text) or api_key
    if not api_key:
        raise SystemExit("the README's steps created no API client (create_api_client)")
    env = {**run.env, "STRIPE_SECRET_KEY": "sk_test_local", "STRIPE_WEBHOOK_SECRETS": "whsec_x"}
    run.sh("python manage.py check --fail-level WARNING", cwd=run.host, env=env)
    take_a_payment(run, api_key)
    (run.host / "test_factories.py").write_text(FACTORIES_TEST.lstrip())
    run.sh(
        f"python -m pytest -q -p no:cacheprovider {EXAMPLE_TEST} test_factories.py", cwd=run.host
    )
    check_names_what_is_missing(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the venv's interpreter")
    parser.add_argument("--django", default="", help="a Django series of the matrix, e.g. 6.0")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="payments-integration-"))
    try:
        with ExitStack() as stack:
            integrate(Run(work, stack, args.python, args.django))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"integration test passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
