"""``manage.py list_payments``: filters, boxes on a terminal and off it, JSON lines."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError

from payments.testing.factories import PaymentSessionFactory
from payments.tests.ops_support import NOW, customer, frozen_time, paid, refunded, run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]
__all__ = ["frozen_time"]


def _made(days_ago: float, **fields):
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        return PaymentSessionFactory(**fields)


def _ids(*args: str) -> list[str]:
    return [
        json.loads(line)["payable_id"]
        for line in run("list_payments", "--json", *args).splitlines()
    ]


def test_newest_first_and_limit():
    for n in range(5):
        _made(days_ago=n, payable_id=f"p{n}")

    assert _ids() == ["p0", "p1", "p2", "p3", "p4"]
    assert _ids("--limit", "2") == ["p0", "p1"]


def test_filters():
    ada = customer("Ada@Example.com")
    _made(1, payable_id="a", status="succeeded", payable_type="order", customer=ada)
    _made(2, payable_id="b", status="failed", payable_type="order")
    _made(3, payable_id="c", status="succeeded", payable_type="invoice")

    assert _ids("--status", "succeeded") == ["a", "c"]
    assert _ids("--payable-type", "order") == ["a", "b"]
    assert _ids("--payable-type", "order", "--payable-id", "b") == ["b"]
    assert _ids("--customer", "ada@example.COM") == ["a"]
    assert _ids("--customer", "nobody@example.com") == []


def test_since_and_until_dates_cover_whole_days():
    _made(days_ago=0.1, payable_id="today")  # 2026-03-15
    _made(days_ago=1, payable_id="14th")
    _made(days_ago=2, payable_id="13th")

    assert _ids("--since", "2026-03-14") == ["today", "14th"]
    assert _ids("--until", "2026-03-14") == ["14th", "13th"]
    assert _ids("--since", "2026-03-14", "--until", "2026-03-14") == ["14th"]
    assert _ids("--since", "2026-03-14T13:00") == ["today"]


def test_box_shows_the_payment(settings):
    session = paid(
        amount=10000,
        at=NOW - timedelta(hours=2),
        customer=customer("grace@example.com", "Grace Hopper"),
        payable_type="booking",
        payable_id="bk_9",
        stripe_checkout_session_id="cs_test_1",
        stripe_charge_id="ch_test_1",
        card_brand="visa",
        card_last4="4242",
        platform_fee=1000,
        payee_amount=9000,
    )
    refunded(session, amount=2550, at=NOW - timedelta(hours=1))

    out = run("list_payments")

    assert out.startswith("+- £100.00 · partially_refunded")  # ASCII box off a terminal
    assert "\x1b[" not in out  # and no colour codes
    for expected in [
        "| Status        partially_refunded",
        "Amount        £100.00  (£25.50 refunded)",
        "Platform fee  £10.00",
        "Payee amount  £90.00",
        "Customer      Grace Hopper <grace@example.com>",
        "Payable       booking bk_9",
        "Checkout      cs_test_1",
        f"Intent        {session.stripe_payment_intent_id}",
        "Charge        ch_test_1",
        "Card          visa •••• 4242",
        "Created       2026-03-15 10:00:00 UTC",
        "Paid          2026-03-15 10:00:00 UTC",
        f"Refund        £25.50 succeeded 2026-03-15 11:00:00 UTC re_{session.pk.hex}_2550",
        str(session.pk),
    ]:
        assert expected in out


def test_terminal_output_has_colour_and_rounded_boxes():
    _made(1, status="failed")

    out = run("list_payments", tty=True)

    assert "╭" in out and "╰" in out
    assert "\x1b[" in out


def test_no_platform_fee_lines_without_a_split_and_a_message_when_empty():
    _made(1)
    assert "Platform fee" not in run("list_payments")
    assert run("list_payments", "--status", "refunded").strip() == "No payments match."


def test_json_is_one_session_per_line_with_its_refunds():
    session = paid(amount=3000, at=NOW - timedelta(hours=3), customer=customer("a@example.com"))
    refunded(session, amount=1000, at=NOW - timedelta(hours=1))
    _made(5)

    lines = run("list_payments", "--json").splitlines()

    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["id"] == str(session.pk)
    assert (first["amount"], first["currency"], first["amount_display"]) == (3000, "gbp", "£30.00")
    assert first["customer"]["email"] == "a@example.com"
    assert [(r["amount"], r["status"]) for r in first["refunds"]] == [(1000, "succeeded")]
    assert json.loads(lines[1])["refunds"] == []


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("list_payments", "--status", "paid")
    with pytest.raises(CommandError, match="is not a date"):
        run("list_payments", "--since", "yesterday")
    with pytest.raises(CommandError, match="not a positive whole number"):
        run("list_payments", "--limit", "0")


def test_values_that_look_like_markup_are_printed_as_they_are():
    _made(1, payable_id="[bold]x[/bold]")

    assert "Payable       booking [bold]x[/bold]" in run("list_payments")
    assert "[bold]x[/bold]" in run("list_payments", tty=True)
