"""What PostgreSQL cannot store, found before it is asked to (pure: no Django).

Text and ``jsonb`` refuse the NUL character (``\\u0000``); UTF-8 cannot encode a lone
surrogate (``\\ud800``); ``jsonb`` has no ``NaN`` or ``Infinity``. Each would fail at the
database as a 500, so the API and the webhook find them first and answer 400 naming where.
"""

import math
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any

_OPENERS, _CLOSERS = b"[{", b"]}"
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"\\')


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or ``None``."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which cannot be stored"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (\\ud800-\\udfff), which is not valid Unicode"
    return None


def unstorable(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, problem) for every string, key or number in decoded JSON that cannot be stored.

    Recursive: call it only on data whose depth ``json_depth`` has bounded."""
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            yield path or "body", problem
    elif isinstance(data, float) and not math.isfinite(data):
        yield path or "body", "is not a finite number"
    elif isinstance(data, Mapping):
        for key, value in data.items():
            problem = text_problem(key) if isinstance(key, str) else None
            if problem:
                yield path or "body", f"has a key that {problem}"
                continue
            yield from unstorable(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from unstorable(value, f"{path}[{index}]" if path else f"[{index}]")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings, without parsing or recursion."""
    skeleton = raw.translate(None, _NOT_STRUCTURE)  # brackets, quotes and backslashes only
    depth_changes = []
    in_string = escaped = False
    for byte in skeleton:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPENERS:
            depth_changes.append(1)
        elif byte in _CLOSERS:
            depth_changes.append(-1)
    return max(accumulate(depth_changes), default=0)
