"""``manage.py export_payments``: a CSV that parses back into exactly what the database holds."""

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError

from payments.models import PaymentSession
from payments.money import exponent
from payments.selectors import payment_session_list
from payments.selectors.exports import (
    HEADER,
    csv_rows,
    neutralise,
    payment_sessions_export_csv,
)
from payments.testing.factories import APIClientFactory, PaymentSessionFactory
from payments.tests.ops_support import NOW, customer, frozen_time, paid, refunded, run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]
__all__ = ["frozen_time"]


def _export(tmp_path, *args: str, tty: bool = False) -> tuple[list[dict], str]:
    target = tmp_path / "payments.csv"
    out = run("export_payments", "--output", str(target), *args, tty=tty)
    with target.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), out


def _minor(text: str, currency: str) -> int | None:
    return None if text == "" else int(Decimal(text).scaleb(exponent(currency)))


def _stamp(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if text else None


def _assert_row_is(row: dict, session: PaymentSession) -> None:
    code = session.currency
    assert row["id"] == str(session.pk)
    assert _stamp(row["created"]) == session.created_at.replace(microsecond=0)
    assert _stamp(row["paid"]) == (session.paid_at and session.paid_at.replace(microsecond=0))
    assert row["customer_email"] == neutralise(session.customer.email if session.customer else "")
    assert row["client"] == neutralise(session.api_client.name if session.api_client else "")
    assert row["payee"] == neutralise(session.payee_reference)
    for column in ("amount", "platform_fee", "payee_amount", "amount_refunded"):
        assert _minor(row[column], code) == getattr(session, column), column
    for column in ("status", "currency", "card_last4"):
        assert row[column] == getattr(session, column), column
    for column in ("payable_type", "payable_id", "card_brand"):
        assert row[column] == neutralise(getattr(session, column)), column
    for column in ("stripe_checkout_session_id", "stripe_payment_intent_id", "stripe_charge_id"):
        assert row[column] == (getattr(session, column) or ""), column


def test_round_trip_equals_the_database(tmp_path):
    run("seed_demo_payments", "--count", "1200", "--days", "30", "--seed", "5")
    odd = paid(
        amount=1234567,
        currency="kwd",
        at=NOW - timedelta(hours=1),
        customer=customer("Zoë@example.com", 'Zoë, "the" payer'),
        payable_id='bk,"42"\nsecond line',
        platform_fee=123457,
        payee_amount=1111110,
        payee_reference="teacher:7",
    )
    refunded(odd, amount=1001, at=NOW)
    PaymentSessionFactory(customer=None, api_client=None, currency="jpy", amount=2500)

    rows, out = _export(tmp_path)

    sessions = list(payment_session_list())
    assert out.startswith(f"Wrote {len(sessions)} payments to ")
    assert [row["id"] for row in rows] == [str(s.pk) for s in sessions]  # newest first
    for row, session in zip(rows, sessions, strict=True):
        _assert_row_is(row, session)
    by_id = {row["id"]: row for row in rows}
    assert by_id[str(odd.pk)]["amount"] == "1234.567"
    assert by_id[str(odd.pk)]["amount_refunded"] == "1.001"
    assert {r["amount"] for r in rows if r["currency"] == "jpy"} >= {"2500"}
    assert not (tmp_path / "payments.csv.partial").exists()


def test_filters(tmp_path):
    for n, (status, currency) in enumerate([("succeeded", "gbp"), ("failed", "gbp"),
                                            ("succeeded", "jpy")]):  # fmt: skip
        with time_machine.travel(NOW - timedelta(days=n), tick=False):
            PaymentSessionFactory(status=status, currency=currency, payable_id=f"p{n}")

    def ids(*args):
        return [row["payable_id"] for row in _export(tmp_path, *args)[0]]

    assert ids("--status", "succeeded") == ["p0", "p2"]
    assert ids("--currency", "JPY") == ["p2"]
    assert ids("--since", "2026-03-14") == ["p0", "p1"]
    assert ids("--until", "2026-03-13") == ["p2"]
    assert ids("--status", "refunded") == []
    assert (tmp_path / "payments.csv").read_text().strip() == ",".join(HEADER)


def test_progress_bar_on_a_terminal(tmp_path):
    run("seed_demo_payments", "--count", "50")

    rows, out = _export(tmp_path, tty=True)

    assert len(rows) == 50
    assert "Exporting" in out and "50/50" in out
    assert "Wrote 50 payments" in out


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("export_payments", "--output", str(tmp_path / "nowhere" / "x.csv"))


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


def _export_peak_bytes() -> int:
    tracemalloc.start()
    try:
        payment_sessions_export_csv(sessions=payment_session_list(), out=_Discard())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_many_rows(monkeypatch):
    monkeypatch.setattr("payments.selectors.exports.CHUNK_ROWS", 200)
    run("seed_demo_payments", "--count", "1000")
    small = _export_peak_bytes()
    run("seed_demo_payments", "--count", "5000")
    large = _export_peak_bytes()  # six times the rows

    assert large < small * 1.5, (small, large)


@pytest.mark.postgres
def test_postgres_copy_formats_exactly_like_python(tmp_path):
    """COPY formats amounts and times in SQL; it must agree with ``format_row`` to the byte."""
    run("seed_demo_payments", "--count", "600", "--seed", "3")
    paid(amount=1, currency="kwd", at=NOW, payee_reference="p:1", platform_fee=0, payee_amount=1)
    sessions = payment_session_list()
    copied = io.BytesIO()

    payment_sessions_export_csv(sessions=sessions, out=copied)

    from_sql = list(csv.reader(io.StringIO(copied.getvalue().decode())))
    assert from_sql == list(csv_rows(sessions))


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


def _formula_sessions() -> list[PaymentSession]:
    """One session per dangerous first character, in every client-supplied text column."""
    return [
        paid(
            at=NOW - timedelta(minutes=n),
            api_client=APIClientFactory(name=f"{formula} client"),
            customer=customer(f"{formula}{n}@example.com"),
            payable_id=formula,
            payee_reference=formula,
            card_brand=formula[:20],
        )
        for n, formula in enumerate(FORMULAS)
    ]


@pytest.mark.postgres
def test_formula_cells_are_neutralised_and_round_trip_in_every_export_path(tmp_path):
    sessions = {str(s.pk): s for s in _formula_sessions()}

    copied, _ = _export(tmp_path)  # COPY on PostgreSQL: neutralised in SQL
    header, *python = csv_rows(payment_session_list())
    python_rows = [dict(zip(header, row, strict=True)) for row in python]

    for rows in (copied, python_rows):
        assert len(rows) == len(FORMULAS)
        for row in rows:
            session = sessions[row["id"]]
            for column, value in [("customer_email", session.customer.email),
                                  ("payable_id", session.payable_id),
                                  ("payee", session.payee_reference),
                                  ("client", session.api_client.name),
                                  ("card_brand", session.card_brand)]:  # fmt: skip
                assert row[column] == "'" + value, column  # a spreadsheet shows it as text
                assert row[column][1:] == value, column  # nothing else changed
    assert {row["payable_id"] for row in copied} == {"'" + formula for formula in FORMULAS}
    assert copied[0]["amount"] == "25.00"


def test_only_text_that_starts_like_a_formula_is_prefixed():
    assert [neutralise(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]
    assert neutralise("bk_42") == "bk_42"
    assert neutralise("") == ""
    assert neutralise("a=b") == "a=b"
