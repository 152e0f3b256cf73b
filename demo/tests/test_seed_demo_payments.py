"""``manage.py seed_demo_payments``: realistic rows that keep every invariant of the app, and
the few hundred `make run` seeds once."""

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.db.models import Count, F, Q, Sum

from payments.models import Customer, PaymentLog, PaymentSession, Refund, Transaction
from payments.states import PAID_STATUSES, PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.tests.ops_support import run

pytestmark = pytest.mark.django_db


def test_seeds_a_realistic_mix():
    out = run("seed_demo_payments", "--count", "3000", "--days", "3", "--seed", "1")

    assert out.startswith("Created 3000 sessions, 300 customers, ")
    sessions = PaymentSession.objects.all()
    assert sessions.count() == 3000
    statuses = Counter(sessions.values_list("status", flat=True))
    assert set(statuses) == set(PaymentStatus.values)  # every status
    assert statuses["succeeded"] > statuses["failed"] > 0
    assert {"gbp", "usd", "eur", "jpy", "kwd"} <= set(sessions.values_list("currency", flat=True))
    assert sessions.exclude(dispute_status="").exists()
    assert sessions.filter(payee_amount__isnull=False).exists()
    assert Customer.objects.count() == 300
    top = sessions.values("customer").annotate(n=Count("pk")).order_by("-n").first()
    assert top["n"] >= 20  # a few customers pay often
    paid = sessions.filter(status__in=PAID_STATUSES)
    assert not paid.filter(Q(paid_at__isnull=True) | Q(card_last4="")).exists()
    assert not paid.filter(paid_at__lt=F("created_at")).exists()
    assert not sessions.filter(status="failed", failure_code="").exists()
    assert PaymentLog.objects.count() == 3000


def test_ledger_and_refunds_agree_with_the_sessions():
    run("seed_demo_payments", "--count", "2000", "--seed", "2")

    assert not Transaction.objects.exclude(gross=F("fee") + F("net")).exists()
    paid = PaymentSession.objects.filter(status__in=PAID_STATUSES)
    charged = Transaction.objects.filter(kind="charge")
    assert charged.count() == paid.count()
    assert charged.aggregate(total=Sum("gross"))["total"] == paid.aggregate(t=Sum("amount"))["t"]
    for session in paid.annotate(refund_total=Sum("refunds__amount")):
        assert (session.refund_total or 0) == session.amount_refunded
    refunded = -Transaction.objects.filter(kind="refund").aggregate(t=Sum("gross"))["t"]
    assert refunded == Refund.objects.aggregate(t=Sum("amount"))["t"]
    assert PaymentSession.objects.filter(
        status="refunded", amount_refunded=F("amount")
    ).count() == (PaymentSession.objects.filter(status="refunded").count())


def test_runs_again_without_clashing():
    run("seed_demo_payments", "--count", "100")
    run("seed_demo_payments", "--count", "100", "--batch-size", "7")

    assert PaymentSession.objects.count() == 200


def test_count_must_be_positive():
    with pytest.raises(CommandError, match="not a positive whole number"):
        run("seed_demo_payments", "--count", "0")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_jobs_on_postgres_write_everything_once():
    out = run("seed_demo_payments", "--count", "5000", "--jobs", "3", "--batch-size", "700")

    assert out.startswith("Created 5000 sessions, 500 customers, ")
    assert PaymentSession.objects.count() == 5000
    assert PaymentLog.objects.count() == 5000
    paid = PaymentSession.objects.filter(status__in=PAID_STATUSES)
    assert Transaction.objects.filter(kind="charge").count() == paid.count()
    created = list(
        PaymentSession.objects.order_by("created_at").values_list("created_at", flat=True)
    )
    assert created[-1] - created[0] > timedelta(days=360)  # the three slices cover the year


# `make run` seeds with exactly these arguments (the Makefile's DEMO_SEED_ARGS).
MAKE_RUN_SEED = ["--count", "400", "--days", "3", "--seed", "1", "--if-empty"]


def test_make_run_seeds_every_status_once():
    first = run("seed_demo_payments", *MAKE_RUN_SEED)
    again = run("seed_demo_payments", *MAKE_RUN_SEED)

    assert first.startswith("Created 400 sessions, ")
    assert again.strip() == "Demo payments already exist: nothing to do."
    assert PaymentSession.objects.count() == 400
    statuses = set(PaymentSession.objects.values_list("status", flat=True))
    assert statuses == set(PaymentStatus.values)


def test_make_run_uses_the_tested_seed_arguments():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()

    assert f"DEMO_SEED_ARGS := {' '.join(MAKE_RUN_SEED)}" in makefile
    assert "manage.py seed_demo_payments $(DEMO_SEED_ARGS)" in makefile


def test_if_empty_ignores_sessions_that_are_not_demo_data():
    PaymentSessionFactory()

    out = run("seed_demo_payments", "--count", "10", "--if-empty")

    assert out.startswith("Created 10 sessions, ")
