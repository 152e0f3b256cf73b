"""Throttles: per API client, per person, per address when anonymous or failing to sign in.

Time is frozen or moved with time-machine; every test starts with empty counts
(``throttle_support``)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from payments.tests.people_support import PASSWORD
from payments.tests.test_hostile_input import assert_envelope

SESSIONS = "/api/payments/sessions/"
TOKEN = "/api/auth/token/"
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.PAYMENTS = {**settings.PAYMENTS, "THROTTLE_RATES": rates}

    return set_rates


def assert_throttled(response):
    assert_envelope(response, 429, code="throttled")
    assert int(response["Retry-After"]) > 0


def test_a_burst_of_100_requests_in_one_second_from_one_client_passes(service):
    with time_machine.travel(START, tick=False):
        statuses = {service.get(SESSIONS).status_code for _ in range(100)}

    assert statuses == {200}


def test_an_api_client_over_its_rate_gets_429_with_retry_after(service, other_service, rates):
    rates(api_client="5/min")
    with time_machine.travel(START, tick=False) as clock:
        allowed = [service.get(SESSIONS).status_code for _ in range(5)]
        over = service.get(SESSIONS)
        other = other_service.get(SESSIONS)  # counted per client, not per address
        clock.shift(timedelta(seconds=61))
        later = service.get(SESSIONS)

    assert allowed == [200] * 5
    assert_throttled(over)
    assert int(over["Retry-After"]) <= 60
    assert other.status_code == 200
    assert later.status_code == 200


def test_a_person_over_their_rate_gets_429(student, teacher, rates):
    rates(user="3/min")
    with time_machine.travel(datetime.now(UTC), tick=False):  # after the tokens were issued
        allowed = [student.get("/api/payments/").status_code for _ in range(3)]
        over = student.get("/api/payments/")
        other = teacher.get("/api/payments/")

    assert allowed == [200] * 3
    assert_throttled(over)
    assert other.status_code == 200


def _login(password, address="203.0.113.7", path=TOKEN, **extra):
    return APIClient().post(
        path,
        {"username": "ada", "password": password},
        format="json",
        REMOTE_ADDR=address,
        **extra,
    )


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user(username="ada", password=PASSWORD)


def test_30_failed_logins_from_one_address_are_throttled_even_the_right_password(ada):
    with time_machine.travel(START, tick=False) as clock:
        attempts = [_login("guess").status_code for _ in range(30)]
        right_password = _login(PASSWORD)
        elsewhere = _login(PASSWORD, address="198.51.100.9")
        clock.shift(timedelta(seconds=61))
        after_a_minute = _login(PASSWORD)

    assert attempts.count(401) == 20  # PAYMENTS["THROTTLE_RATES"]["auth_failure"]: 20/min
    assert attempts[20:] == [429] * 10
    assert_throttled(right_password)
    assert elsewhere.status_code == 200
    assert after_a_minute.status_code == 200


def test_the_apps_own_token_path_and_refresh_count_failures_too(ada, rates):
    rates(auth_failure="2/min")
    with time_machine.travel(START, tick=False):
        first = _login("guess", path="/api/payments/auth/token/")
        refresh = APIClient().post(
            "/api/payments/auth/token/refresh/",
            {"refresh": "not.a.token"},
            format="json",
            REMOTE_ADDR="203.0.113.7",
        )
        third = _login(PASSWORD, path="/api/payments/auth/token/")

    assert (first.status_code, refresh.status_code) == (401, 401)
    assert_throttled(third)


def test_every_request_to_the_token_endpoints_is_counted_per_address(ada, rates):
    rates(token="3/min")
    with time_machine.travel(START, tick=False):
        allowed = [_login(PASSWORD).status_code for _ in range(3)]
        over = _login(PASSWORD)

    assert allowed == [200] * 3
    assert_throttled(over)


def test_guessed_api_keys_lock_out_the_address_not_the_client(service):
    with time_machine.travel(START, tick=False):
        guesses = [
            APIClient()
            .get(SESSIONS, HTTP_AUTHORIZATION=f"Api-Key guess.{n}", REMOTE_ADDR="203.0.113.7")
            .status_code
            for n in range(25)
        ]
        right_key_same_address = service.get(SESSIONS, REMOTE_ADDR="203.0.113.7")
        right_key_elsewhere = service.get(SESSIONS, REMOTE_ADDR="198.51.100.9")

    assert guesses[:20] == [401] * 20 and guesses[20:] == [429] * 5
    assert_throttled(right_key_same_address)
    assert right_key_elsewhere.status_code == 200


def test_x_forwarded_for_cannot_pick_a_fresh_address(ada, rates, settings):
    rates(auth_failure="2/min")
    with time_machine.travel(START, tick=False):
        spoofed = [
            _login("guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)
        ]
        settings.PAYMENTS = {**settings.PAYMENTS, "NUM_PROXIES": 1}
        behind_a_proxy = _login("guess", HTTP_X_FORWARDED_FOR="192.0.2.1, 192.0.2.50")

    assert spoofed == [401, 401, 429]  # REMOTE_ADDR decides without a trusted proxy
    assert behind_a_proxy.status_code == 401  # the proxy's view (192.0.2.50) is a new address


def test_a_rate_set_to_none_turns_that_throttle_off(service, rates):
    rates(api_client=None)
    with time_machine.travel(START, tick=False):
        statuses = {service.get(SESSIONS).status_code for _ in range(30)}
    rates(api_client="1/min")
    with time_machine.travel(START, tick=False):
        limited = [service.get(SESSIONS).status_code for _ in range(2)]

    assert statuses == {200}
    assert limited == [200, 429]


def test_requests_without_credentials_are_counted_per_address(service, rates):
    rates(anon="3/min")
    anonymous = APIClient()
    with time_machine.travel(START, tick=False):
        refused = [anonymous.get(SESSIONS).status_code for _ in range(3)]
        over = anonymous.get(SESSIONS)
        with_key = service.get(SESSIONS)  # the same address, but an API client

    assert refused == [401] * 3
    assert_throttled(over)
    assert with_key.status_code == 200
