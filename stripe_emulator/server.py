"""The HTTP front: a ThreadingHTTPServer whose handler hands every request to the dispatcher."""

from __future__ import annotations

import contextlib
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .dispatch import Dispatcher, HttpRequest

if TYPE_CHECKING:
    from .emulator import StripeEmulator


class EmulatorHTTPServer(ThreadingHTTPServer):
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
