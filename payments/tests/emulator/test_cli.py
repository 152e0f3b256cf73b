"""`python -m stripe_emulator` serves until interrupted."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import stripe

from payments.tests.emulator.support import API_KEY, WebhookReceiver, pay, session_params

REPO = Path(__file__).resolve().parents[3]


def test_cli_serves_forwards_webhooks_and_stops_on_ctrl_c():
    receiver = WebhookReceiver(secret="whsec_cli")
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--host", "127.0.0.1",
         "--port", "0", "--forward-to", receiver.url, "--webhook-secret", "whsec_cli"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        banner = process.stdout.readline()
        assert banner.startswith("Stripe emulator listening on http://127.0.0.1:")
        url = banner.rsplit(" ", 1)[1].strip()
        client = stripe.StripeClient(API_KEY, base_addresses={"api": url}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=session_params())

        class Remote:  # `pay` only needs the base URL
            pass

        remote = Remote()
        remote.url = url
        assert pay(remote, session.id)["status"] == "succeeded"
        assert len(receiver.bodies) == 4  # delivered before the control endpoint answered
        assert receiver.errors == []
        assert receiver.types[-1] == "checkout.session.completed"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        process.stdout.close()
        receiver.close()
