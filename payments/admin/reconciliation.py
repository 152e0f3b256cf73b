"""Reconciliation runs (``reconcile_payments``), read-only: each run with its findings."""

from django.contrib import admin

from payments.admin.base import ReadOnlyAdmin, ReadOnlyInline, admin_link, coloured
from payments.models import ReconciliationFinding, ReconciliationRun

_RUN_COLOURS = {"clean": "succeeded", "differences": "failed", "failed": "failed"}


class FindingInline(ReadOnlyInline):
    model = ReconciliationFinding
    fields = ["kind", "session_", "stripe_object_id", "message", "repairable", "fixed"]
    readonly_fields = fields
    show_change_link = False

    @admin.display(description="session")
    def session_(self, row: ReconciliationFinding) -> str:
        if row.session_id is None:
            return "-"
        return admin_link("paymentsession", row.session_id, str(row.session_id)[:8])


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at", "status_", "fix", "window_start", "window_end", "sessions_checked",
        "differences_found", "differences_fixed", "remaining",
    ]  # fmt: skip
    list_filter = ["status", "fix"]
    ordering = ["-started_at", "-id"]
    inlines = [FindingInline]

    @admin.display(description="status")
    def status_(self, run: ReconciliationRun) -> str:
        return coloured(_RUN_COLOURS.get(run.status, run.status), run.get_status_display())

    @admin.display(description="remaining")
    def remaining(self, run: ReconciliationRun) -> int:
        return run.differences_remaining
