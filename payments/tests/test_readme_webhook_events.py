"""The README's install step names every Stripe event type the webhook service handles.

An integrator registers the endpoint at Stripe with exactly that list; an event type missing
from it is never sent, and what it would have done (a renewal booked, a payout recorded)
silently never happens.
"""

import re
from fnmatch import fnmatch
from pathlib import Path

from payments.services import webhooks

README = Path(__file__).resolve().parents[2] / "README.md"


def _registered_patterns() -> list[str]:
    text = README.read_text()
    step = text[text.index("**5. Register the webhook endpoint at Stripe**") :]
    step = step[: step.index("STRIPE_WEBHOOK_SECRETS")]
    return re.findall(r"`([a-z_.*]+)`", step)


def test_the_install_step_names_every_handled_event_type():
    handled = set(webhooks.HANDLERS) | set(webhooks.ACCOUNT_EVENT_HANDLERS)
    handled |= set(webhooks.INVOICE_EVENT_HANDLERS) | set(webhooks.PAYOUT_EVENT_HANDLERS)
    handled |= set(webhooks.SUBSCRIPTION_EVENT_HANDLERS)
    patterns = _registered_patterns()
    missing = sorted(t for t in handled if not any(fnmatch(t, p) for p in patterns))
    assert missing == []
    assert {"charge.succeeded", "invoice.paid", "payout.paid"} <= handled
