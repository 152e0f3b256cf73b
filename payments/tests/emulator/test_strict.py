"""Strict mode: an exception inside the emulator fails the test that caused it (issue 10)."""

import pytest
import requests

from payments.tests.emulator.support import running_emulator
from stripe_emulator import routing
from stripe_emulator.emulator import EmulatorBugError
from stripe_emulator.routing import Route


@pytest.fixture
def buggy_route():
    """A control route whose handler has a bug (removed again after the test)."""

    def handler(ctx):
        return {"total": 1 / 0}

    route = Route("POST", ("_emulator", "buggy"), handler, {}, None)
    routing.ROUTES.append(route)
    yield "/_emulator/buggy"
    routing.ROUTES.remove(route)


def test_strict_emulator_reports_the_bug_with_its_traceback(buggy_route):
    with running_emulator(strict=True) as emulator:
        response = requests.post(emulator.url + buggy_route, timeout=30)
        assert response.status_code == 500  # the client still gets an answer
        with pytest.raises(EmulatorBugError) as caught:
            emulator.check_no_bugs()
    report = str(caught.value)
    assert "POST /_emulator/buggy" in report
    assert "ZeroDivisionError" in report and "1 / 0" in report
    emulator.check_no_bugs()  # reported once, then forgotten


def test_without_strict_a_bug_stays_a_stripe_500(buggy_route):
    with running_emulator(strict=False) as emulator:
        response = requests.post(emulator.url + buggy_route, timeout=30)
        assert response.status_code == 500
        assert response.json()["error"]["type"] == "api_error"
        assert emulator.take_bugs() == []


def test_the_fixture_fails_the_test_at_teardown(pytester):
    pytester.makeconftest(
        "from payments.tests.emulator.conftest import server, emu  # noqa: F401\n"
    )
    pytester.makepyfile(
        """
        import requests
        from stripe_emulator import routing
        from stripe_emulator.routing import Route

        def test_provokes_a_bug(emu):
            route = Route("POST", ("_emulator", "buggy2"), lambda ctx: {}["missing"], {}, None)
            routing.ROUTES.append(route)
            try:
                requests.post(emu.url + "/_emulator/buggy2", timeout=30)
            finally:
                routing.ROUTES.remove(route)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:django")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*EmulatorBugError*", "*KeyError*"])
