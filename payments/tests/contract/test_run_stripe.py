"""`make test-stripe`'s entry point: it refuses live keys at once and skips without a key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "STRIPE_CONTRACT_SECRET_KEY"}
    if key is not None:
        env["STRIPE_CONTRACT_SECRET_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "payments.tests.contract.run_stripe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_live_key_is_refused_before_anything_runs():
    result = run("sk_live_51Hxxxxxxxxxxxxxxxxxxxxxxx")

    assert result.returncode == 2
    assert "must be a Stripe test-mode key" in result.stderr
    assert "sk_live_" in result.stderr and "51Hxxxxxxxxxx" not in result.stderr
    assert "collected" not in result.stdout  # pytest never started


def test_without_a_key_every_contract_test_skips_with_its_reason():
    result = run(None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "STRIPE_CONTRACT_SECRET_KEY is not set" in result.stdout
    assert " skipped" in result.stdout and " passed" not in result.stdout
    assert "failed" not in result.stdout
