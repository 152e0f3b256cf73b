"""`make test-stripe`: the contract suite against real Stripe test mode.

    STRIPE_CONTRACT_SECRET_KEY=sk_test_... make test-stripe

Refuses, before anything is sent, a key that is not a test-mode key (exit status 2).
Without a key every contract test skips and says why (exit status 0).
"""

from __future__ import annotations

import sys

import pytest

from payments.tests.contract.backends import KEY_VARIABLE, NotATestKey, stripe_test_key


def main(argv: list[str] | None = None) -> int:
    try:
        key = stripe_test_key()
    except NotATestKey as refused:
        print(f"make test-stripe: {refused}", file=sys.stderr)
        return 2
    if key is None:
        print(f"make test-stripe: {KEY_VARIABLE} is not set; the real-Stripe tests skip.")
    args = ["payments/tests/contract", "--stripe-contract", "-p", "no:randomly", "-rs"]
    return int(pytest.main(args + list(argv or [])))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
