"""Idempotency keys of API requests and the first completed response to each."""

from django.db import models


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the first completed response to it.

    ``recovery_point`` records how far a request got, so a retry after a crash resumes it
    instead of starting again (Brandur Leach's "atomic phases").
    """

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    request_method = models.CharField(max_length=10)
    request_path = models.CharField(max_length=500)
    request_fingerprint = models.CharField(max_length=64)
    recovery_point = models.CharField(max_length=50, default="started")
    locked_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    # What the request created so far (e.g. a PaymentSession or Refund id), to resume from.
    resource_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="payments_idempotency_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"

    @property
    def is_complete(self) -> bool:
        return self.response_status is not None
