"""Cursor pagination of the session lists, which answers a tampered cursor with 400 naming
``cursor`` and a bad ``?limit=`` with 400 naming ``limit``.

DRF decodes the cursor's position (``p``) and hands it to the database as it is: ``p=notadate``
or a year-10000 date failed there as a 500. Here the position must be a value of the ordering
field, and a cursor that does not decode is 400 rather than DRF's 404.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from payments.selectors.sessions import NEWEST_FIRST
from payments.storable import text_problem

INVALID_CURSOR = "Invalid cursor: use the `next` or `previous` link of a page as it is."


def _invalid() -> ValidationError:
    return ValidationError({"cursor": [INVALID_CURSOR]}, code="invalid")


class ValidatedCursorPagination(CursorPagination):
    cursor_query_description = (
        "Opaque: take it from the `next` or `previous` link of a page, as it is. Any other "
        "value is refused with 400 `invalid_cursor`."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise _invalid() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        field = self._model._meta.get_field(ordering.lstrip("-"))
        if text_problem(position):
            raise _invalid()
        try:
            value = field.to_python(position)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value.astimezone(UTC)  # an offset that leaves years 1-9999 overflows here
        except (DjangoValidationError, ValueError, OverflowError):
            raise _invalid() from None


class SessionCursorPagination(ValidatedCursorPagination):
    """Newest first; the id breaks ties, so sessions created at the same instant are each
    listed exactly once across pages."""

    ordering = NEWEST_FIRST
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_page_size(self, request):
        """``?limit=`` is an integer from 1 to 200, or a 400 naming it (DRF would silently
        fall back to the default page size)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"limit": f"Must be an integer from 1 to {self.max_page_size}."})
        return int(raw)


LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": SessionCursorPagination.max_page_size},
    description="Page size, 1 to 200 (default 50).",
)
