"""The callback receiver of the soak: counts distinct callback ids and duplicates, and can be
made to fail (503) for a while, as a client's outage would."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ID_HEADER = "Payments-Event-Id"


class CountingReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.received: Counter[str] = Counter()  # callback id -> 2xx answers given
        self.refused = 0  # requests answered 503 during an outage
        self._down_until = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._record(self.headers.get(ID_HEADER) or "")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/callbacks/"

    def fail_for(self, seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def _record(self, callback_id: str) -> int:
        with self._lock:
            if time.monotonic() < self._down_until:
                self.refused += 1
                return 503
            self.received[callback_id] += 1
            return 200

    def distinct(self) -> set[str]:
        with self._lock:
            return set(self.received)

    def duplicates(self) -> int:
        with self._lock:
            return sum(count - 1 for count in self.received.values())

    def start(self) -> CountingReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
