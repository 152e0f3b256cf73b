"""The Payments-Signature helper: sign, verify, refuse tampering, other secrets, old stamps."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from payments.signing import (
    CallbackSignatureError,
    callback_signature_header,
    callback_signature_verify,
)

BODY = b'{"id":"evt_1","type":"payment.succeeded","sequence":1}'
SECRET = "cbsec_test"


def test_header_is_stripe_style_and_verifies():
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert len(header.split("v1=")[1]) == 64

    with time_machine.travel(1_700_000_000 + 10, tick=False):
        assert callback_signature_verify(header=header, body=BODY, secrets=[SECRET]) == (
            1_700_000_000
        )


def test_any_current_secret_may_match_while_rotating():
    header = callback_signature_header(secret="cbsec_new", body=BODY)
    callback_signature_verify(header=header, body=BODY, secrets=["cbsec_old", "cbsec_new"])


@pytest.mark.parametrize(
    ("header_for", "body", "secrets", "message"),
    [
        (
            lambda: callback_signature_header(secret=SECRET, body=BODY),
            BODY + b" ",
            [SECRET],
            "No v1",
        ),
        (lambda: callback_signature_header(secret="other", body=BODY), BODY, [SECRET], "No v1"),
        (lambda: "", BODY, [SECRET], "needs t="),
        (lambda: f"t={int(time.time())}", BODY, [SECRET], "needs t="),
        (lambda: "v1=abc", BODY, [SECRET], "needs t="),
    ],
    ids=["tampered", "wrong-secret", "missing", "no-v1", "no-timestamp"],
)
def test_bad_signatures_are_refused(header_for, body, secrets, message):
    with pytest.raises(CallbackSignatureError, match=message):
        callback_signature_verify(header=header_for(), body=body, secrets=secrets)


def test_old_signatures_are_refused():
    header = callback_signature_header(secret=SECRET, body=BODY)
    with (
        time_machine.travel(timezone.now() + timedelta(seconds=301), tick=False),
        pytest.raises(CallbackSignatureError, match="300 s"),
    ):
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET])
    with time_machine.travel(timezone.now() + timedelta(seconds=299), tick=False):
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET])


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    """Receivers in other languages implement exactly this: pin it byte for byte."""
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=1_700_000_000)
    assert header == f"t=1700000000,v1={expected}"


def test_a_stamp_exactly_at_the_tolerance_is_still_accepted():
    now = int(time.time())
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=now - 300)
    with time_machine.travel(now, tick=False):
        assert callback_signature_verify(header=header, body=BODY, secrets=[SECRET]) == now - 300


def test_no_matching_secret_says_so():
    header = callback_signature_header(secret="other", body=BODY)
    with pytest.raises(CallbackSignatureError) as raised:
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET])
    assert str(raised.value) == "No v1 signature matches the body with any known secret."


def test_future_signatures_are_refused():
    """A stamp far ahead of our clock is as suspect as an old one (both sides of abs())."""
    future = int(time.time()) + 301
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=future)
    with pytest.raises(CallbackSignatureError, match="300 s"):
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET])
    near = int(time.time()) + 200
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=near)
    assert callback_signature_verify(header=header, body=BODY, secrets=[SECRET]) == near


@pytest.mark.parametrize("stamp", ["¹", "١٢٣", "-5", "1.5", ""])
def test_a_timestamp_that_is_not_ascii_digits_is_refused_cleanly(stamp):
    """Unicode digits pass str.isdigit() but not int(): they must be refused, not crash."""
    header = f"t={stamp},v1={'0' * 64}"
    with pytest.raises(CallbackSignatureError, match="needs t="):
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET])


def test_a_custom_tolerance_is_honoured():
    header = callback_signature_header(secret=SECRET, body=BODY, timestamp=int(time.time()) - 20)
    with pytest.raises(CallbackSignatureError, match="10 s"):
        callback_signature_verify(header=header, body=BODY, secrets=[SECRET], tolerance=10)
    callback_signature_verify(header=header, body=BODY, secrets=[SECRET], tolerance=30)
