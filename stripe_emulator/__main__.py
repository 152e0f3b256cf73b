"""Run the emulator from a shell:

    python -m stripe_emulator --port 12111 \\
        --forward-to http://127.0.0.1:8000/api/payments/webhook/stripe/ --webhook-secret whsec_x
"""

from __future__ import annotations

import argparse
import threading

from .emulator import StripeEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_emulator",
        description="Offline Stripe API emulator with signed webhooks.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--forward-to", default=None, help="webhook URL to POST events to")
    parser.add_argument("--webhook-secret", default="whsec_test_secret")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--failed-renewals", choices=("cancel", "unpaid"), default="cancel",
        help="what happens to a subscription when the last retry of a renewal fails",
    )  # fmt: skip
    parser.add_argument(
        "--upcoming-renewal-days", type=int, default=7, metavar="N",
        help="send invoice.upcoming N days before each renewal (0: never)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    emulator = StripeEmulator(
        webhook_url=args.forward_to,
        webhook_secret=args.webhook_secret,
        host=args.host,
        port=args.port,
        verbose=args.verbose,
        failed_renewals=args.failed_renewals,
        upcoming_renewal_days=args.upcoming_renewal_days,
    ).start()
    print(f"Stripe emulator listening on {emulator.url}", flush=True)
    print(f"  webhooks -> {args.forward_to or '(none)'} signed with {args.webhook_secret}")
    print("  Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
