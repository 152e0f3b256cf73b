"""Migration 0008_ownership: a customer shared by several owners becomes one per owner."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("payments", "0007_stripe_id_constraints")]
AFTER = [("payments", "0008_ownership")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_shared_customer_is_split_per_owner_and_sessions_follow(django_user_model):
    old = _migrate(BEFORE)
    client_model = old.get_model("payments", "APIClient")
    customer_model = old.get_model("payments", "Customer")
    session_model = old.get_model("payments", "PaymentSession")
    log_model = old.get_model("payments", "PaymentLog")
    user = old.get_model("auth", "User").objects.create(username="ada", email="ada@example.com")
    first, second = (client_model.objects.create(name=name) for name in ("a", "b"))
    shared = customer_model.objects.create(
        email="ada@example.com", name="Ada", phone="1", user_id=user.pk, stripe_customer_id="cus_1"
    )
    client_only = customer_model.objects.create(email="bob@example.com", name="Bob")
    fields = {"payable_type": "x", "payable_id": "1", "amount": 100, "currency": "gbp"}
    own = session_model.objects.create(customer=shared, **fields)
    a_ada = session_model.objects.create(customer=shared, api_client=first, **fields)
    b_ada = session_model.objects.create(customer=shared, api_client=second, **fields)
    a_bob = session_model.objects.create(customer=client_only, api_client=first, **fields)
    b_bob = session_model.objects.create(customer=client_only, api_client=second, **fields)
    request = {"request": {"customer": {"email": "bob@example.com", "name": "Robert"}}}
    log_model.objects.create(session=b_bob, event_type="session_created", payload=request)

    try:
        new = _migrate(AFTER)
        session = new.get_model("payments", "PaymentSession").objects
        customer_of = {s.pk: s.customer for s in session.select_related("customer")}

        assert customer_of[own.pk].pk == shared.pk and customer_of[own.pk].user_id == user.pk
        assert customer_of[own.pk].api_client_id is None  # the user's alone
        assert customer_of[own.pk].stripe_customer_id == "cus_1"
        for session_id, client in [(a_ada.pk, first), (b_ada.pk, second)]:
            copy = customer_of[session_id]
            assert copy.pk != shared.pk and copy.api_client_id == client.pk
            assert (copy.email, copy.user_id, copy.stripe_customer_id) == (
                "ada@example.com",
                None,
                None,
            )
        assert customer_of[a_bob.pk].pk == client_only.pk  # the first client keeps the row
        assert customer_of[a_bob.pk].api_client_id == first.pk
        assert (customer_of[a_bob.pk].name, customer_of[b_bob.pk].name) == ("Bob", "Robert")
        assert customer_of[b_bob.pk].api_client_id == second.pk
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
