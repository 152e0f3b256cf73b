"""The request contract, derived from the installed `stripe` SDK's generated parameter types.

For every `/v1` route the emulator serves, the accepted parameter names, their nesting, types
(string, integer, number, boolean, list, hash, metadata map) and enum values come from the
SDK's request `TypedDict` for that endpoint (`stripe.params.PaymentIntentCreateParams`, ...),
walked once with `typing.get_type_hints` and cached. Bumping the SDK bumps the contract.

The SDK widens every enum to `Union[Literal[...], str]` so that old clients survive new enum
values; Stripe itself refuses an unknown value, so the `Literal` values are the contract.
What the types cannot say (amount minimums, list page sizes, cross-parameter rules) lives in
`rules.py` and in each resource's `check`.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, NotRequired, Required

import stripe
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict

from .params import Anything, Arr, Bool, Either, Field, Int, Map, Num, Obj, Schema, Str
from .sdk_endpoints import normalise, sdk_endpoints

# The one API version the emulator models: the version the installed SDK was generated for.
API_VERSION: str = stripe.api_version

# Keys every SDK params class inherits from RequestOptions; they are never sent as parameters.
_OPTION_KEYS = frozenset(stripe.RequestOptions.__annotations__)
# Names RequestOptions' own annotations refer to without importing them at run time.
_LOCALNS = {"StripeContext": object, "Mapping": Mapping}

# Integer bounds Stripe documents that the SDK types cannot carry (by parameter name).
INT_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "limit": (1, 100),
    "quantity": (1, None),
    "unit_amount": (0, None),
    "amount_to_capture": (1, None),
    "application_fee_amount": (0, None),
}


def _unwrap(annotation: Any) -> tuple[Any, bool | None]:
    """Strip `Required`/`NotRequired`; return the inner type and what the wrapper said."""
    origin = typing.get_origin(annotation)
    if origin is Required:
        return typing.get_args(annotation)[0], True
    if origin is NotRequired:
        return typing.get_args(annotation)[0], False
    return annotation, None


def _literal_values(options: list[Any]) -> tuple[str, ...]:
    values: list[str] = []
    for option in options:
        if typing.get_origin(option) is typing.Literal:
            values.extend(str(value) for value in typing.get_args(option) if value != "")
    return tuple(values)


def _union_field(options: list[Any], name: str, required: bool) -> Field:
    # `Literal[""]` means "send an empty string to unset", which every Field already accepts.
    choices = _literal_values(options)
    rest = [
        option
        for option in options
        if typing.get_origin(option) is not typing.Literal
        and option is not type(None)
        and typing.get_origin(option) is not UntypedStripeObject
        and option is not UntypedStripeObject
        and not (choices and option is str)
    ]
    fields = [field_for(option, name) for option in rest]
    if choices:
        fields.append(Str(choices=choices))
    if not fields:
        return Str(required=required)
    if len(fields) == 1:
        fields[0].required = required
        return fields[0]
    return Either(*fields, required=required)


def field_for(annotation: Any, name: str = "", *, required: bool = False) -> Field:
    """The `Field` that checks and coerces a form value of the SDK type `annotation`."""
    annotation, _ = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    args = list(typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return _union_field(args, name, required)
    if origin is typing.Literal:
        return Str(required=required, choices=_literal_values([annotation]))
    if origin in (list, typing.List):  # noqa: UP006 - the SDK spells it List
        return Arr(field_for(args[0], name), required=required)
    if origin in (dict, typing.Dict):  # noqa: UP006
        return Map(required=required) if args[1] is str else Anything(required=required)
    if is_typeddict(annotation):
        return _object_field(annotation, required)
    simple = {str: Str, int: _bounded_int(name), bool: Bool, float: Num}
    if annotation in simple:
        return simple[annotation](required=required)
    return Anything(required=required)


def _bounded_int(name: str) -> Any:
    low, high = INT_BOUNDS.get(name, (None, None))
    return functools.partial(Int, minimum=low, maximum=high)


@functools.cache
def _hints(params_class: type) -> dict[str, Any]:
    return typing.get_type_hints(params_class, localns=_LOCALNS, include_extras=True)


def _object_field(params_class: type, required: bool) -> Obj:
    return Obj(schema_for(params_class), required=required)


@functools.cache
def schema_for(params_class: type) -> Schema:
    """A params TypedDict as a `Schema` (required keys as the SDK marks them)."""
    required_keys = getattr(params_class, "__required_keys__", frozenset())
    schema: Schema = {}
    for key, annotation in _hints(params_class).items():
        if key in _OPTION_KEYS:
            continue
        _, marker = _unwrap(annotation)
        is_required = marker if marker is not None else key in required_keys
        schema[key] = field_for(annotation, key, required=is_required)
    return schema


def params_class_for(method: str, pattern: str) -> type | None:
    """The SDK's request TypedDict for `method pattern` (`{id}` segments in any spelling)."""
    return sdk_endpoints().get(normalise(method, pattern))


@functools.cache
def contract_for(method: str, pattern: str) -> Schema | None:
    """The derived parameter schema of one endpoint, or None when the SDK does not know it."""
    params_class = params_class_for(method, pattern)
    return None if params_class is None else schema_for(params_class)


def load_all(routes: list[Any]) -> list[str]:
    """Build (and cache) the contract of every API route at start-up; return the routes the
    SDK does not know (a test keeps this empty)."""
    return [
        f"{route.method} {route.pattern}"
        for route in routes
        if route.kind == "api" and contract_for(route.method, route.pattern) is None
    ]
