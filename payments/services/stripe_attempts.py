"""Creating a Stripe object for one of our rows when Stripe answered the row's key with a 5xx.

Our idempotency keys are derived from our row ids (``stripe_api.idempotency_key``), so a retry
can never create a second object. But Stripe keeps the answer of a request whose execution
began, a 500 included, and replays it to every retry with the same key for 24 hours: after one
such answer the row would be blocked for a day (a refund left ``pending`` with its amount
reserved, a payment that cannot start). So after a 5xx *answer* (a finished request, not a
connection error: a request still in flight might yet create the object) we look the object up
at Stripe by the metadata that names our row; when it is there, it is the answer; when it is
not, nothing was made, and the call goes again under the row's next key (``...:1``, ``...:2``).
Every retry walks the same keys in the same order, so it finds what an earlier attempt made.
"""

import logging
from collections.abc import Callable
from typing import Any

from payments import stripe_api
from payments.exceptions import ProviderUnavailable

logger = logging.getLogger(__name__)

# Keys tried per call: the row's own key, then two more after stored 5xx answers.
ATTEMPTS = 3


def stripe_create_resuming(
    *,
    send: Callable[[int], stripe_api.StripeResult],
    find: Callable[[], dict[str, Any] | None] | None,
    what: str,
) -> stripe_api.StripeResult:
    """``send(attempt)`` under the row's key for ``attempt``; after a 5xx answer, ``find()``
    the object at Stripe and return it, or send again under the next key. The last attempt's
    error propagates (the caller's retry walks the keys again). Without ``find`` nothing can
    be sent again: a 5xx propagates as it is."""
    for attempt in range(ATTEMPTS):
        try:
            return send(attempt)
        except ProviderUnavailable as error:
            answered = (error.provider_http_status or 0) >= 500
            if not answered or find is None or attempt == ATTEMPTS - 1:
                raise
            found = find()
            if found is not None:
                return stripe_api.StripeResult(found, error.request_id)
            logger.warning(
                "Stripe answered %s for %s under key attempt %d and made nothing: sending "
                "again under attempt %d.",
                error.provider_http_status,
                what,
                attempt,
                attempt + 1,
            )
    raise AssertionError("unreachable: the last attempt returns or raises")
