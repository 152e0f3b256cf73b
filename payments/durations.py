"""Parse operator durations such as ``30m``, ``2h``, ``3d``, ``72h`` (management commands)."""

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


def parse_duration_option(
    text: str,
    *,
    option: str,
    at_least: str | None = None,
    at_most: str | None = None,
    why: str = "",
) -> timedelta:
    """A command's duration ``option`` given as ``text``, within ``at_least``/``at_most``
    (durations too). Raises ``ValueError`` with a message that names the option and, for a
    bound, ``why`` it is there: the command shows it as it is."""
    try:
        duration = parse_duration(text)
    except ValueError as error:
        raise ValueError(f"{option}: {error}") from None
    if at_least is not None and duration < parse_duration(at_least):
        raise ValueError(f"{option} must be at least {at_least}: {why}.")
    if at_most is not None and duration > parse_duration(at_most):
        raise ValueError(f"{option} must be at most {at_most}: {why}.")
    return duration
