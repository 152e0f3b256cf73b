"""One request, start to finish: authenticate, route, inject faults, validate, replay or
execute under the store lock, record the idempotent result, then hand events to delivery."""

from __future__ import annotations

import base64
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import errors, ids, routing, rules
from .context import Context
from .contract import API_VERSION, contract_for
from .expand import expand
from .forms import parse_body, parse_form
from .idempotency import StoredResponse
from .params import validate
from .replies import Reply, error_reply, json_reply
from .routing import Route
from .store import public

if TYPE_CHECKING:
    from .emulator import StripeEmulator

ACCEPTED_KEY_PREFIXES = ("sk_test_", "rk_test_")


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # case-insensitive (email.message.Message)
    body: bytes


@dataclass(frozen=True)
class Call:
    route: Route
    args: dict[str, str]
    request_id: str
    api_key: str
    idempotency_key: str | None
    base_url: str

    @property
    def endpoint(self) -> str:
        return f"{self.route.method} /{'/'.join(self.route.segments)}"


class Dispatcher:
    def __init__(self, emulator: StripeEmulator) -> None:
        self.emulator = emulator

    def handle(self, request: HttpRequest) -> Reply:
        request_id = ids.request_id()
        try:
            return self._handle(request, request_id)
        except errors.StripeError as exc:
            return error_reply(exc, request_id)

    def _handle(self, request: HttpRequest, request_id: str) -> Reply:
        found = routing.find(request.method, request.path)
        api_key = authenticate(request.headers) if _is_api(request.path) else ""
        if found is None:
            raise _unrecognized(request)
        route, args = found
        if route.kind == "api":
            check_version(request.headers)
        fault = None
        if route.kind != "control":
            fault = self.emulator.faults.take(request.method, request.path)
        if fault is not None and fault.kind == "fail":
            raise errors.api_error(fault.status)
        if fault is not None and fault.kind == "unreachable":
            return Reply(0, b"", drop=True)
        key = request.headers.get("Idempotency-Key") if route.kind == "api" else None
        call = Call(route, args, request_id, api_key, key if request.method == "POST" else None,
                    self._base_url(request))  # fmt: skip
        failure = errors.api_error(fault.status) if fault and fault.kind == "error" else None
        reply = self._run(call, read_params(request), failure)
        reply.drop = fault is not None and fault.kind == "drop"
        return reply

    def _base_url(self, request: HttpRequest) -> str:
        """Links (Checkout URLs, receipts) use the host the client reached us by."""
        host = request.headers.get("Host")
        return f"http://{host}" if host else self.emulator.url

    def _run(self, call: Call, raw: dict[str, Any], failure: errors.StripeError | None) -> Reply:
        """Replay or execute; `failure`: answer it in place of executing, stored like a result."""
        cache, key = self.emulator.idempotency, call.idempotency_key
        if key:
            stored = cache.begin(call.api_key, key, call.endpoint, raw)
            if stored is not None:
                return _replayed(stored, call.request_id)
        try:
            params = _validated(call.route, raw)
            if failure is not None:
                reply = error_reply(failure, call.request_id)
            else:
                reply = self._execute(call, params)
        except BaseException:
            if key:
                cache.release(call.api_key, key)
            raise
        if key:
            reply.headers["Idempotency-Key"] = key
            stored = StoredResponse(reply.status, reply.body, reply.headers)
            cache.finish(call.api_key, key, stored)
        return reply

    def _execute(self, call: Call, params: dict[str, Any]) -> Reply:
        emulator, request_id = self.emulator, call.request_id
        ctx = emulator.context(
            params=params,
            args=call.args,
            request_id=request_id if call.route.kind == "api" else None,
            idempotency_key=call.idempotency_key,
            base_url=call.base_url,
        )
        with emulator.store.lock:
            try:
                reply = _reply_for(ctx, call.route.handler(ctx), params, request_id)
            except errors.StripeError as exc:
                reply = error_reply(exc, request_id)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                # Strict mode: the test that caused this fails at teardown (see `bugs`).
                emulator.record_bug(call.endpoint, traceback.format_exc())
                reply = error_reply(errors.api_error(500, "Emulator bug: see its log."), request_id)
            # Queued under the lock so that delivery order is creation order across requests.
            ticket = emulator.enqueue_webhooks(ctx.outbox)
        if call.route.kind != "api":
            emulator.await_webhooks(ticket, len(ctx.outbox))
        return reply


def _reply_for(ctx: Context, result: Any, params: dict[str, Any], request_id: str) -> Reply:
    if isinstance(result, Reply):
        result.headers.setdefault("Request-Id", request_id)
        return result
    body = expand(ctx.store, public(result), params.get("expand"))
    return json_reply(200, body, request_id)


def _validated(route: Route, raw: dict[str, Any]) -> dict[str, Any]:
    """API routes: the contract derived from the SDK's types, then Stripe's documented rules;
    control and page routes: their own schema."""
    if route.kind == "api":
        rules.check_removed(route.method, route.pattern, raw, API_VERSION)
        schema = contract_for(route.method, route.pattern)
        if schema is None:
            raise errors.api_error(500, f"No request contract for {route.method} {route.pattern}")
        params = validate(schema, raw)
        rules.check_exclusive(route.method, route.pattern, params)
    elif route.schema is None:
        return raw
    else:
        params = validate(route.schema, raw)
    if route.check is not None:
        route.check(params)
    return params


def check_version(headers: Mapping[str, str]) -> None:
    """The emulator models one API version; a request pinned to another one is refused."""
    requested = (headers.get("Stripe-Version") or "").strip()
    if requested and requested != API_VERSION:
        raise errors.invalid_request(
            f"This Stripe emulator models API version {API_VERSION} only (the version of the "
            f"installed stripe SDK), but the request asked for Stripe-Version {requested}. "
            f"Send Stripe-Version: {API_VERSION}, or run the emulator of a stripe SDK that "
            f"targets {requested}."
        )


def _replayed(stored: StoredResponse, request_id: str) -> Reply:
    headers = dict(stored.headers)
    headers["Original-Request"] = headers.get("Request-Id", "")
    headers["Request-Id"] = request_id
    headers["Idempotent-Replayed"] = "true"
    return Reply(stored.status, stored.body, headers)


def read_params(request: HttpRequest) -> dict[str, Any]:
    params = parse_form(request.query) if request.query else {}
    if request.method == "POST":
        content_type = request.headers.get("Content-Type") or ""
        params.update(parse_body(request.body, content_type))
    return params


def _is_api(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def authenticate(headers: Mapping[str, str]) -> str:
    """The API key from `Authorization: Bearer ...` (or Basic, as Stripe also accepts)."""
    header = headers.get("Authorization") or ""
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic":
        try:
            credentials = base64.b64decode(credentials).decode().partition(":")[0]
        except ValueError:
            credentials = ""
    if not credentials:
        raise errors.authentication_error(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY')."
        )
    if not credentials.startswith(ACCEPTED_KEY_PREFIXES):
        raise errors.authentication_error(f"Invalid API Key provided: {_mask(credentials)}")
    return credentials


def _mask(key: str) -> str:
    prefix = "_".join(key.split("_")[:2]) + "_" if key.count("_") >= 2 else ""
    hidden = max(len(key) - len(prefix) - 4, 0)
    return prefix + "*" * hidden + key[-4:]


def _unrecognized(request: HttpRequest) -> errors.StripeError:
    return errors.invalid_request(
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )
