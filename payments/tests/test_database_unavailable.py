"""While PostgreSQL is away (a restart, a failover), the API answers 503 with Retry-After in
its error envelope, not 500: the connection is made to fail for real, at a closed port."""

import socket

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe goes


def _while_the_database_is_away(request):
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        return request()
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_request_while_the_database_is_away_is_503_with_retry_after(service, method):
    if method == "get":
        response = _while_the_database_is_away(lambda: service.get("/api/payments/sessions/"))
    else:
        body = {"payable_type": "booking", "payable_id": "bk_1", "amount": 2500}
        response = _while_the_database_is_away(
            lambda: service.post_json("/api/payments/checkout/", body)
        )

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("api_error", "database_unavailable")
    assert "Retry" in error["message"]
    # Back again: the same client is served as before.
    assert service.get("/api/payments/sessions/").status_code == 200
