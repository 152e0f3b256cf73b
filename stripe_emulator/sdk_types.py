"""What the installed `stripe` SDK's generated resource classes declare about an object.

The SDK types an expandable field as `ExpandableField[...]`, which is `str | <Resource>` at
run time; those are the fields `expand[]` accepts on an object of that type.
"""

from __future__ import annotations

import functools
import typing

from stripe._object_classes import get_object_class


@functools.cache
def expandable_fields(object_name: str) -> frozenset[str]:
    """Top-level fields of `object_name` (e.g. "charge") that the SDK marks expandable."""
    cls = get_object_class("V1", object_name)
    fields = set()
    for name, hint in getattr(cls, "__annotations__", {}).items():
        args = typing.get_args(hint)
        if str in args and any(isinstance(arg, typing.ForwardRef) for arg in args):
            fields.add(name)
    return frozenset(fields)
