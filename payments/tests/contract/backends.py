"""The Stripe backends the contract suite runs against: the emulator, localstripe, real Stripe.

`make test` runs the emulator and localstripe (a development requirement, started as a
subprocess on a free port, or `LOCALSTRIPE_URL`). `make test-stripe` (`--stripe-contract`)
runs real Stripe test mode with `STRIPE_CONTRACT_SECRET_KEY`, and only that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_VARIABLE = "STRIPE_CONTRACT_SECRET_KEY"
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")
STRIPE_API = "https://api.stripe.com"
LOCALSTRIPE_KEY = "sk_test_localstripe"
STARTUP_SECONDS = 20


@dataclass(frozen=True)
class Backend:
    name: str  # "emulator" | "localstripe" | "stripe"
    api_key: str
    api_base: str
    emulator: Any = None  # the StripeEmulator, for the emulator backend


class NotATestKey(Exception):
    pass


def stripe_test_key() -> str | None:
    """The key for real Stripe, None when unset; raises for anything but a test-mode key."""
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        return None
    if not key.startswith(TEST_KEY_PREFIXES):
        shown = key[:8] + "..." if len(key) > 8 else key
        raise NotATestKey(
            f"{KEY_VARIABLE} must be a Stripe test-mode key (sk_test_... or rk_test_...), "
            f"not {shown}: the contract suite creates and refunds payments. Nothing was sent."
        )
    return key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _localstripe_command() -> str:
    # The virtualenv's own script first: `make test` does not put .venv/bin on PATH.
    beside = Path(sys.executable).with_name("localstripe")
    found = str(beside) if beside.exists() else shutil.which("localstripe")
    if found is None:
        raise RuntimeError("localstripe is not installed: pip install -r requirements-dev.txt")
    return found


@contextlib.contextmanager
def running_localstripe() -> Iterator[str]:
    """localstripe's URL: `LOCALSTRIPE_URL`, or a subprocess on a free port for the block."""
    if os.environ.get("LOCALSTRIPE_URL"):
        yield os.environ["LOCALSTRIPE_URL"].rstrip("/")
        return
    port = _free_port()
    process = subprocess.Popen(
        [_localstripe_command(), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while not _reachable(port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"localstripe did not start on port {port}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)  # a bounded wait for the port, not a sleep
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
