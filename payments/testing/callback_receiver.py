"""A real HTTP endpoint that records the callbacks it receives, for tests of callback delivery.

with CallbackReceiver() as receiver:
    receiver.respond_with(503, 503)   # the next two requests fail, then 200s again
    client.callback_url = receiver.url
    ...
    receiver.requests  # [ReceivedCallback(headers=..., body=b"...")]
"""

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from stripe_emulator.server import PromptShutdownHTTPServer


@dataclass(frozen=True)
class ReceivedCallback:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class CallbackReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[ReceivedCallback] = []
        self.default_status = 200
        self.response_body = b'{"received": true}'
        self._scripted: deque[int] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._record(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(receiver.response_body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = PromptShutdownHTTPServer((host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/callbacks/"

    def respond_with(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then with ``default_status``."""
        with self._lock:
            self._scripted.extend(statuses)

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        """Block until ``count`` requests arrived (``True``) or ``timeout`` seconds passed."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests.append(ReceivedCallback(path=path, headers=headers, body=body))
            self._arrived.notify_all()
            return self._scripted.popleft() if self._scripted else self.default_status

    def start(self) -> "CallbackReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "CallbackReceiver":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
