"""The route registry: each resource module registers its endpoints with `@route`.

A later extension (Stripe Connect: accounts, account links, transfers, ...) adds a module
under `resources/` with its own `@route` functions; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .params import Schema

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Route:
    method: str
    segments: tuple[str, ...]
    handler: Handler
    schema: Schema | None
    check: Callable[[dict[str, Any]], None] | None

    @property
    def pattern(self) -> str:
        return "/" + "/".join(self.segments)

    @property
    def kind(self) -> str:
        """`api` (/v1, authenticated), `control` (/_emulator) or `page` (browser pages)."""
        head = self.segments[0] if self.segments else ""
        return {"v1": "api", "_emulator": "control"}.get(head, "page")

    def match(self, method: str, parts: tuple[str, ...]) -> dict[str, str] | None:
        if method != self.method or len(parts) != len(self.segments):
            return None
        args: dict[str, str] = {}
        for pattern, part in zip(self.segments, parts, strict=False):
            if pattern.startswith("{"):
                if not part:
                    return None
                args[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return args

    @property
    def literal_count(self) -> int:
        return sum(1 for segment in self.segments if not segment.startswith("{"))


ROUTES: list[Route] = []


def split_path(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/"))


def route(
    method: str,
    pattern: str,
    *,
    schema: Schema | None = None,
    check: Callable[[dict[str, Any]], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register `handler(ctx)` for `method pattern`; `{name}` segments land in `ctx.args`.

    `/v1` routes take their parameter schema from the installed SDK's types (`contract.py`);
    control and page routes pass their own `schema`. Validation runs before anything executes
    (failures are not stored for idempotency); `check` adds pure cross-field validation.
    """

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), split_path(pattern), handler, schema, check))
        return handler

    return register


def find(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    parts = split_path(path)
    matches = []
    for candidate in ROUTES:
        args = candidate.match(method, parts)
        if args is not None:
            matches.append((candidate, args))
    if not matches:
        return None
    return max(matches, key=lambda pair: pair[0].literal_count)
