"""argparse types shared by the operator commands: dates, times, positive counts, ids."""

import argparse
import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def day(value: str) -> date:
    """``YYYY-MM-DD``."""
    parsed = parse_date(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (YYYY-MM-DD).")
    return parsed


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number.")
    return number


def subscription(value: str) -> str:
    """Our subscription id (a UUID) or Stripe's (``sub_...``)."""
    if value.startswith("sub_"):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a subscription id (ours, a UUID, or Stripe's, sub_...)."
        ) from None


def moment(value: str) -> date | datetime:
    """A date (``2025-05-01``) or a date and time (``2025-05-01T14:00``, ``...+02:00``)."""
    parsed_day = parse_date(value)  # first: parse_datetime also takes a bare date as midnight
    if parsed_day is not None:
        return parsed_day
    parsed = parse_datetime(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)."
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def since_bound(value: date | datetime | None) -> datetime | None:
    """``--since``: from the start of a date, or from a given time (inclusive)."""
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def until_bound(value: date | datetime | None) -> datetime | None:
    """``--until``: up to the end of a date (the whole day counts), or to a given time."""
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))
