"""Reconciliation runs: what ``reconcile_payments`` compared, and each difference it found."""

from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    CLEAN = "clean", "Clean"
    DIFFERENCES = "differences", "Differences remain"
    FAILED = "failed", "Failed"


class FindingKind(models.TextChoices):
    STATUS = "status", "Status differs"
    AMOUNT = "amount", "Amount or currency differs"
    AMOUNT_REFUNDED = "amount_refunded", "Amount refunded differs"
    DISPUTE = "dispute", "Dispute state differs"
    FEE = "fee", "Ledger row differs from the balance transaction"
    MISSING_LEDGER_ROW = "missing_ledger_row", "Balance transaction without a ledger row"
    REFUND = "refund", "Refund differs"
    ORPHAN = "orphan", "Stripe object without its session"


class ReconciliationRun(models.Model):
    """One run of ``reconcile_payments``: its window, whether it repaired, and the outcome."""

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    session_filter = models.UUIDField(null=True, blank=True)
    fix = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    sessions_checked = models.PositiveIntegerField(default=0)
    stripe_objects_checked = models.PositiveIntegerField(default=0)
    differences_found = models.PositiveIntegerField(default=0)
    differences_fixed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="payments_recon_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(differences_fixed__lte=models.F("differences_found")),
                name="payments_recon_run_fixed_within_found",
            ),
        ]

    def __str__(self) -> str:
        return f"reconciliation #{self.pk} ({self.status})"

    @property
    def differences_remaining(self) -> int:
        return self.differences_found - self.differences_fixed


class ReconciliationFinding(models.Model):
    """One difference between our records and Stripe's, and whether ``--fix`` repaired it."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    # Not a foreign key: an orphan names a session id that does not exist.
    session_id = models.UUIDField(null=True, blank=True, db_index=True)
    stripe_object_id = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    ours = models.JSONField(null=True, blank=True)
    stripe = models.JSONField(null=True, blank=True)
    repairable = models.BooleanField(default=False)
    fixed = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="payments_recon_finding_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(fixed=True) | Q(repairable=True),
                name="payments_recon_finding_fixed_if_repairable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"
