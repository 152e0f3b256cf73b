"""Which request-parameter type the installed `stripe` SDK sends to each endpoint.

The SDK's service classes (`stripe.PaymentIntentService`, `stripe.checkout.SessionService`, ...)
are generated from Stripe's OpenAPI spec for the API version the SDK pins. Each method reads::

    def confirm(self, intent: str, params: Optional["PaymentIntentConfirmParams"] = None, ...):
        return ... self._request("post", "/v1/payment_intents/{intent}/confirm", ...)

and imports its params class from `stripe.params...`. We read those sources once, so the
emulator's endpoint -> params table is the SDK's own, not a hand-written copy of it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from typing import Any

import stripe

# One service method: its params annotation, then (before the next method) its request line.
_METHOD = re.compile(
    r"def \w+\(\s*self,(?P<signature>[^)]*?)\)\s*->(?:(?!\n\s*(?:async )?def ).)*?"
    r"self\._request\(\s*\"(?P<method>\w+)\",\s*\"(?P<path>/v1/[^\"]+)\"",
    re.DOTALL,
)
_PARAMS = re.compile(r"params:\s*(?:Optional\[)?\"(\w+)\"")
_IMPORT = re.compile(r"from (stripe\.params[\w.]*) import \(?\s*(\w+)")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normalise(method: str, path: str) -> tuple[str, str]:
    """`("post", "/v1/payment_intents/{intent}")` -> `("POST", "/v1/payment_intents/{}")`."""
    return method.upper(), _PLACEHOLDER.sub("{}", path)


def _service_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(stripe.__path__, "stripe."):
        name = info.name
        if name.rsplit(".", 1)[-1].endswith("_service") and ".params" not in name:
            modules.append(importlib.import_module(name))
    return modules


def _endpoints_in(module: Any) -> dict[tuple[str, str], type]:
    source = inspect.getsource(module)
    imports = dict((name, path) for path, name in _IMPORT.findall(source))
    found: dict[tuple[str, str], type] = {}
    for match in _METHOD.finditer(source):
        params = _PARAMS.search(match["signature"])
        if params is None or params[1] not in imports:
            continue
        params_class = getattr(importlib.import_module(imports[params[1]]), params[1])
        found.setdefault(normalise(match["method"], match["path"]), params_class)
    return found


@functools.cache
def sdk_endpoints() -> dict[tuple[str, str], type]:
    """Every `/v1` endpoint the SDK knows, mapped to its generated request TypedDict."""
    table: dict[tuple[str, str], type] = {}
    for module in _service_modules():
        for key, params_class in _endpoints_in(module).items():
            table.setdefault(key, params_class)
    return table
