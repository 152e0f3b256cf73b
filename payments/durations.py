"""Parse operator durations such as ``30m``, ``2h``, ``3d``, ``72h``."""

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """``"72h"`` → ``timedelta(hours=72)``. Raises ``ValueError`` naming the accepted forms."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(f"'{text}' is not a duration: use a number and a unit, e.g. 30m, 2h, 3d.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
