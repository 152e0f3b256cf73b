"""The HTTP front: a ThreadingHTTPServer whose handler hands every request to the dispatcher.

``PromptShutdownHTTPServer`` is also what the test suites' other small HTTP servers (the
callback receiver, the webhook receiver) are built on, so none of them waits to stop.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .dispatch import Dispatcher, HttpRequest

if TYPE_CHECKING:
    from .emulator import StripeEmulator


class PromptShutdownHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose ``shutdown()`` returns as soon as the serving loop sees it.

    socketserver's ``serve_forever()`` notices ``shutdown()`` only when its ``select()`` times
    out, every ``poll_interval`` (0.5 s by default), so every stop cost up to half a second.
    This loop also watches one end of a socket pair that ``shutdown()`` writes to, so
    ``select()`` wakes at once, and it needs no timeout at all while idle.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()  # as in socketserver: set when a serving loop ends

    def serve_forever(self, poll_interval: float | None = None) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stop_requested.is_set():
                    ready = [key.fileobj for key, _ in selector.select(poll_interval)]
                    if self._stop_requested.is_set():
                        break
                    if self._wake_reader in ready:
                        self._wake_reader.recv(64)
                    if self in ready:
                        self._handle_request_noblock()
                    self.service_actions()
        finally:
            self._stop_requested.clear()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop the serving loop and wait for it to end (call it from another thread)."""
        self._stop_requested.set()
        self._wake_writer.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()


class EmulatorHTTPServer(PromptShutdownHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of concurrent clients in tests; the default is 5

    def __init__(self, address: tuple[str, int], emulator: StripeEmulator) -> None:
        super().__init__(address, EmulatorRequestHandler)
        self.emulator = emulator
        self.dispatcher = Dispatcher(emulator)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "StripeEmulator/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = HttpRequest(method, url.path, url.query, self.headers, body)
        reply = self.server.dispatcher.handle(request)
        if reply.drop:
            self._drop_connection()
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _drop_connection(self) -> None:
        """The work is done but the client never hears back (a lost response)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.emulator.verbose:
            sys.stderr.write(f"[stripe-emulator] {format % args}\n")
