"""Parameter schemas: Stripe rejects unknown and malformed parameters, and so do we.

A schema is a dict of parameter name to `Field`. Validation returns coerced values
(ints, bools, lists). An empty string means "unset" (Stripe's convention) and becomes None.
"""

from __future__ import annotations

from typing import Any

from .errors import StripeError, invalid_request, parameter_missing, parameter_unknown

Schema = dict[str, "Field"]


def _child(parent: str, key: str | int) -> str:
    return f"{parent}[{key}]" if parent else str(key)


class Field:
    def __init__(self, *, required: bool = False) -> None:
        self.required = required

    def check(self, value: Any, name: str) -> Any:
        if value == "" and not isinstance(self, Map):
            if self.required:
                raise parameter_missing(name)
            return None
        return self.coerce(value, name)

    def coerce(self, value: Any, name: str) -> Any:
        return value


class Anything(Field):
    """Accepted as Stripe accepts it, and stored without interpretation."""


class Str(Field):
    def __init__(self, *, required: bool = False, choices: tuple[str, ...] = ()) -> None:
        super().__init__(required=required)
        self.choices = choices

    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, (dict, list)):
            raise invalid_request(f"Invalid string: {value}", param=name)
        value = str(value)
        if self.choices and value not in self.choices:
            raise invalid_request(f"Invalid {name}: must be {_one_of(self.choices)}", param=name)
        return value


def _one_of(choices: tuple[str, ...]) -> str:
    """Stripe's wording: "one of reusable or single_use", "one of a, b, or c"."""
    if len(choices) < 3:
        return "one of " + " or ".join(choices)
    return f"one of {', '.join(choices[:-1])}, or {choices[-1]}"


class Int(Field):
    def __init__(
        self, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> None:
        super().__init__(required=required)
        self.minimum = minimum
        self.maximum = maximum

    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise invalid_request(f"Invalid integer: {value}", param=name)
        text = str(value).strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits.isdigit():
            raise invalid_request(
                f"Invalid integer: {value}", param=name, code="parameter_invalid_integer"
            )
        number = int(text)
        low, high = self.minimum, self.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise invalid_request(f"Invalid {name}: must be {bounds}", param=name)
        return number


class Num(Field):
    """A decimal number (`float` in the SDK types), sent as a string in the form body."""

    def coerce(self, value: Any, name: str) -> Any:
        try:
            if isinstance(value, (bool, dict, list)):
                raise ValueError(value)
            return float(value)
        except ValueError:
            raise invalid_request(
                f"Invalid decimal: {value}", param=name, code="parameter_invalid_decimal"
            ) from None


class Bool(Field):
    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise invalid_request(f"Invalid boolean: {value}", param=name)


class Obj(Field):
    def __init__(self, fields: Schema, *, required: bool = False) -> None:
        super().__init__(required=required)
        self.fields = fields

    def coerce(self, value: Any, name: str) -> Any:
        if not isinstance(value, dict):
            raise invalid_request(f"Invalid object: {name} must be a hash", param=name or None)
        result: dict[str, Any] = {}
        for key, raw in value.items():
            field = self.fields.get(key)
            if field is None:
                raise parameter_unknown(_child(name, key))
            result[key] = field.check(raw, _child(name, key))
        for key, field in self.fields.items():
            if field.required and result.get(key) is None:
                raise parameter_missing(_child(name, key))
        return result


class Arr(Field):
    def __init__(self, item: Field, *, required: bool = False) -> None:
        super().__init__(required=required)
        self.item = item

    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, dict):
            if not all(str(key).isdigit() for key in value):
                raise invalid_request(f"Invalid array: {name}", param=name)
            value = [value[key] for key in sorted(value, key=int)]
        elif not isinstance(value, list):
            value = [value]
        return [self.item.check(item, _child(name, index)) for index, item in enumerate(value)]


class Map(Field):
    """Free-form string map (metadata). `""` clears it; a key set to `""` is deleted on update."""

    def coerce(self, value: Any, name: str) -> Any:
        if value == "":
            return ""
        if not isinstance(value, dict):
            raise invalid_request(f"Invalid object: {name} must be a hash", param=name)
        if len(value) > 50:
            raise invalid_request(f"Invalid {name}: at most 50 keys", param=name)
        for key, item in value.items():
            if len(str(key)) > 40 or isinstance(item, (dict, list)) or len(str(item)) > 500:
                raise invalid_request(
                    f"Invalid {name}: keys up to 40 and values up to 500 characters",
                    param=_child(name, key),
                )
        return {str(key): str(item) for key, item in value.items()}


class Either(Field):
    """The first alternative that accepts the value wins (e.g. `off_session`: bool or enum)."""

    def __init__(self, *options: Field, required: bool = False) -> None:
        super().__init__(required=required)
        self.options = options

    def coerce(self, value: Any, name: str) -> Any:
        error: StripeError | None = None
        for option in self.options:
            try:
                return option.coerce(value, name)
            except StripeError as exc:
                error = error or exc
        assert error is not None
        raise error


EXPAND = Arr(Str())


def validate(schema: Schema, params: dict[str, Any]) -> dict[str, Any]:
    """Check `params` against `schema` (plus `expand`), raising Stripe's 400 errors."""
    return Obj({"expand": EXPAND, **schema}).coerce(params, "")


def merge_metadata(current: dict[str, str], update: dict[str, str] | str | None) -> dict[str, str]:
    """Stripe's metadata update rules: merge keys, `""` deletes one key, `""` for all clears."""
    if update is None:
        return current
    if update == "":
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
