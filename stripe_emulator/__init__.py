"""An offline, stateful Stripe API emulator for tests and local development.

Standard library plus the installed `stripe` package, read only for its generated request
types (the request contract, see `contract.py`); never Django. The real `stripe` SDK talks
to it over HTTP, unmodified. It models one API version, `stripe.api_version`, and answers
a request for another `Stripe-Version` with a 400. `StripeEmulator(strict=True)` records
exceptions raised inside handlers (`take_bugs()`, `check_no_bugs()`), as the test fixtures do.
Webhook endpoints made through `/v1/webhook_endpoints` get their events too, each signed
with its own secret:

    from stripe_emulator import StripeEmulator

    emu = StripeEmulator(webhook_url=None, webhook_secret="whsec_test_secret").start()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": emu.url})
    emu.webhook_url = "http://127.0.0.1:8000/api/payments/webhook/stripe/"
    ...
    emu.wait_for_webhooks(); emu.events; emu.deliveries; emu.get("pi_...")
    emu.fail_next(path="/v1/checkout/sessions")   # 429/503-like refusal, nothing stored
    emu.error_next(path="/v1/refunds")            # a 500, stored under the idempotency key
    emu.unreachable_next(path="/v1/refunds")      # never reaches Stripe: nothing runs
    emu.drop_next(path="/v1/refunds")             # runs, then the answer is lost
    emu.expire_due_sessions(); emu.reset(); emu.stop()

From a shell: `python -m stripe_emulator --port 12111 --forward-to URL`.

Control endpoints (no API key; their webhooks are delivered before they answer):

    POST /_emulator/checkout/sessions/{id}/pay   payment_method=<pm_card_... | tok_... | number>
                                                 [delayed=true] [email=] [name=]
    POST /_emulator/payment_intents/{id}/authenticate   outcome=succeed|fail  (3-D Secure)
    POST /_emulator/payment_intents/{id}/settle         outcome=succeed|fail  (delayed payments)
    POST /_emulator/charges/{id}/dispute                [reason=fraudulent]
    POST /_emulator/disputes/{id}/close                 outcome=won|lost
    POST /_emulator/refunds/{id}/fail
    POST /_emulator/accounts/{id}/onboard               (Connect: the payee completes onboarding)
    POST /_emulator/payouts/run                  currency=gbp  (the next scheduled payout, now)
    POST /_emulator/payouts/{id}/advance        (a payout's next step now)
    POST /_emulator/payouts/settings            [payout_delay=2|0|none] [availability_delay=0]
                                                 [bank_account=000111111116]  (see payout_clock)
    POST /_emulator/clock/expire                        (= emu.expire_due_sessions())
    POST /_emulator/events/{id}/resend
    POST /_emulator/faults   kind=fail|error|unreachable|drop path=/v1/... [method=POST]
                             [status=500] [count=1]
    POST /_emulator/reset
    GET  /_emulator/objects/{id}, GET /_emulator/deliveries

Hosted Checkout page: `GET /c/pay/{id}` (the session's `url`). Test cards: see `cards.py`.
Connect onboarding page: `GET /connect/onboarding/{token}` (an Account Link's `url`).
"""

from .emulator import StripeEmulator

__all__ = ["StripeEmulator"]
