"""The test suites' HTTP servers stop as soon as they are told to, not at their next poll."""

import threading
import time
from http.server import BaseHTTPRequestHandler

import requests

from stripe_emulator.server import PromptShutdownHTTPServer


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_shutdown_wakes_the_serving_loop_instead_of_waiting_for_its_poll():
    server = PromptShutdownHTTPServer(("127.0.0.1", 0), _Ok)
    # A poll of a minute: only the wake-up can make shutdown() return within the bound below.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 60})
    thread.start()
    answer = requests.get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=5)
    started = time.monotonic()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    assert answer.status_code == 204
    assert not thread.is_alive()
    assert time.monotonic() - started < 5


def test_a_server_serves_again_after_a_shutdown():
    server = PromptShutdownHTTPServer(("127.0.0.1", 0), _Ok)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    for _ in range(2):
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        assert requests.get(url, timeout=5).status_code == 204
        server.shutdown()
        thread.join(timeout=5)
        assert not thread.is_alive()
    server.server_close()
