"""What ``reconcile_payments`` prints: a box per kind of difference (the house style of
``console.py``) and the differences left for a person, or the same as JSON for machines."""

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from payments.management.console import box_style, when
from payments.models.reconciliation import FindingKind
from payments.services.reconciliation import ReconciliationReport

# Beyond this many, the terminal shows a count and points at the admin (or --json).
MAX_LISTED = 50


def report_json(report: ReconciliationReport) -> dict[str, Any]:
    run = report.run
    return {
        "run": run.pk,
        "status": run.status,
        "fix": run.fix,
        "window": {
            "since": run.window_start.isoformat() if run.window_start else None,
            "until": run.window_end.isoformat() if run.window_end else None,
            "session": str(run.session_filter) if run.session_filter else None,
        },
        "sessions_checked": run.sessions_checked,
        "stripe_objects_checked": run.stripe_objects_checked,
        "summary": report.summary(),
        "differences_remaining": len(report.remaining),
        "findings": [
            {
                "kind": d.kind,
                "session": str(d.session_id) if d.session_id else None,
                "stripe_object": d.stripe_object_id or None,
                "message": d.message,
                "ours": d.ours,
                "stripe": d.stripe,
                "repairable": d.repairable,
                "fixed": d.fixed,
            }
            for d in report.differences
        ],
    }


def summary_panel(report: ReconciliationReport, console: Console) -> Panel:
    """Found / fixed / remaining per kind, and what was checked."""
    run = report.run
    table = Table(box=box_style(console))
    table.add_column("Difference")
    for column in ("Found", "Fixed", "Remaining"):
        table.add_column(column, justify="right")
    for kind, counts in report.summary().items():
        style = "bold red" if counts["remaining"] else ("green" if counts["found"] else "dim")
        table.add_row(
            Text(FindingKind(kind).label, style=style),
            str(counts["found"]),
            str(counts["fixed"]),
            str(counts["remaining"]),
        )
    window = f"{when(run.window_start)} → {when(run.window_end) if run.window_end else 'now'}"
    if run.session_filter:
        window = f"session {run.session_filter}"
    checked = Text(
        f"{run.sessions_checked} sessions and {run.stripe_objects_checked} Stripe objects "
        f"checked; {window}; run #{run.pk}{' with --fix' if run.fix else ''}."
    )
    remaining = len(report.remaining)
    title = "Reconciliation: clean" if not remaining else f"Reconciliation: {remaining} left"
    return Panel(
        Group(table, checked),
        title=title,
        title_align="left",
        box=box_style(console),
        expand=False,
    )


def remaining_panel(report: ReconciliationReport, console: Console) -> Panel | None:
    """The differences left for a person, one line each."""
    remaining = report.remaining
    if not remaining:
        return None
    # Lines rather than a table: a table folds the session's UUID at 100 columns.
    body = Text()
    for n, d in enumerate(remaining[:MAX_LISTED]):
        session = f"session {d.session_id}" if d.session_id else "no session"
        body.append(("\n" if n else "") + f"{d.kind:<19}", style="bold red")
        body.append(f"{session}  {d.stripe_object_id or '-'}\n")
        body.append(f"{'':<19}{d.message}")
    parts: list[Any] = [body]
    if len(remaining) > MAX_LISTED:
        more = len(remaining) - MAX_LISTED
        parts.append(Text(f"... and {more} more: see the run in the admin, or --json."))
    return Panel(
        Group(*parts),
        title="For a person to look at",
        title_align="left",
        box=box_style(console),
        expand=False,
    )
