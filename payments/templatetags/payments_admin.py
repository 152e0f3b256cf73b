"""Template tags of the payments admin."""

import datetime

from django import template
from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.text import capfirst

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def payments_date_hierarchy(cl):
    """Django's date drill-down, with its choices taken from the first and last dates only.

    Django lists the years, months or days that have rows with a ``DISTINCT`` over every
    matching row: a scan of the whole table on a million sessions. ``MIN`` and ``MAX`` come
    from the index instead; the price is that a period without sessions may be listed. The
    changelist's queryset is already narrowed to the chosen year or month, so the bounds
    fall inside it.
    """
    field = cl.date_hierarchy
    year, month, day = (cl.params.get(f"{field}__{unit}") for unit in ("year", "month", "day"))

    def link(**filters):
        return cl.get_query_string({f"{field}__{k}": v for k, v in filters.items()}, [f"{field}__"])

    if year and month and day:
        chosen = datetime.date(int(year), int(month), int(day))
        back = {"link": link(year=year, month=month), "title": _title(chosen, "YEAR_MONTH")}
        return {"show": True, "back": back, "choices": [{"title": _title(chosen, "MONTH_DAY")}]}
    bounds = cl.queryset.aggregate(first=Min(field), last=Max(field))
    if bounds["first"] is None:
        return {"show": False}
    first, last = (timezone.localtime(bounds[k]).date() for k in ("first", "last"))
    if not year and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        year, month = int(year), int(month)
        choices = [
            (
                link(year=year, month=month, day=d),
                _title(datetime.date(year, month, d), "MONTH_DAY"),
            )
            for d in range(first.day, last.day + 1)
        ]
        return _hierarchy({"link": link(year=year), "title": str(year)}, choices)
    if year:
        year = int(year)
        choices = [
            (link(year=year, month=m), _title(datetime.date(year, m, 1), "YEAR_MONTH"))
            for m in range(first.month, last.month + 1)
        ]
        return _hierarchy({"link": link(), "title": "All dates"}, choices)
    choices = [(link(year=y), str(y)) for y in range(first.year, last.year + 1)]
    return _hierarchy(None, choices)


def _title(day: datetime.date, format_name: str) -> str:
    return capfirst(formats.date_format(day, f"{format_name}_FORMAT"))


def _hierarchy(back: dict | None, choices: list[tuple[str, str]]) -> dict:
    return {
        "show": True,
        "back": back,
        "choices": [{"link": url, "title": title} for url, title in choices],
    }
