"""What the operator commands print: boxes and colour on a terminal (``rich``), the same
boxes in plain ASCII without colour codes when the output is a file or a pipe."""

from typing import IO, Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from payments.models import PaymentSession
from payments.money import format_money

STATUS_STYLES = {
    "succeeded": "bold green",
    "partially_refunded": "yellow",
    "refunded": "magenta",
    "failed": "bold red",
    "canceled": "dim",
    "expired": "dim",
    "processing": "cyan",
    "pending": "blue",
    "created": "blue",
}
PLAIN_WIDTH = 100


def console_for(stream: Any) -> Console:
    """A console writing to ``stream`` (a command's ``self.stdout`` or any text stream)."""
    raw: IO[str] = getattr(stream, "_out", stream)  # past Django's OutputWrapper
    tty = bool(getattr(raw, "isatty", lambda: False)())
    return Console(
        file=raw,
        force_terminal=tty,
        no_color=not tty,
        color_system="auto" if tty else None,
        width=None if tty else PLAIN_WIDTH,
        highlight=False,
        emoji=False,
    )


def box_style(console: Console) -> box.Box:
    return box.ROUNDED if console.is_terminal else box.ASCII


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else "-"


def session_panel(session: PaymentSession, console: Console) -> Panel:
    """One payment as a box: status, money, who, what, Stripe ids, card, times, refunds."""
    money = lambda amount: format_money(amount, session.currency)  # noqa: E731
    status = Text(session.status, style=STATUS_STYLES.get(session.status, ""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Status", status)
    amount = money(session.amount)
    if session.amount_refunded:
        amount += f"  ({money(session.amount_refunded)} refunded)"
    grid.add_row("Amount", amount)
    if session.payee_amount is not None:
        grid.add_row("Platform fee", money(session.platform_fee))
        grid.add_row("Payee amount", money(session.payee_amount))
    customer = session.customer
    grid.add_row("Customer", f"{customer.name} <{customer.email}>" if customer else "-")
    grid.add_row("Payable", f"{session.payable_type} {session.payable_id}")
    grid.add_row("Client", session.api_client.name if session.api_client else "-")
    for label, value in (
        ("Checkout", session.stripe_checkout_session_id),
        ("Intent", session.stripe_payment_intent_id),
        ("Charge", session.stripe_charge_id),
    ):
        if value:
            grid.add_row(label, value)
    if session.card_last4:
        grid.add_row("Card", f"{session.card_brand} •••• {session.card_last4}")
    if session.failure_code:
        reason = session.failure_decline_code or session.failure_code
        grid.add_row("Failure", f"{reason}: {session.failure_message}")
    grid.add_row("Created", when(session.created_at))
    grid.add_row("Paid", when(session.paid_at))
    for refund in session.refunds.all():
        grid.add_row(
            "Refund",
            f"{money(refund.amount)} {refund.status} {when(refund.created_at)}"
            f" {refund.stripe_refund_id or ''}".rstrip(),
        )
    return Panel(
        grid,
        title=f"{money(session.amount)} · {session.status}",
        title_align="left",
        subtitle=str(session.pk),
        subtitle_align="right",
        box=box_style(console),
        expand=False,
    )


def report_panel(code: str, figures: dict[str, Any], period: dict, console: Console) -> Panel:
    """One currency of ``payments_report``."""
    money = lambda amount: format_money(amount or 0, code)  # noqa: E731
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    counts = {s: n for s, n in figures["count_by_status"].items() if n}
    grid.add_row("Sessions created", str(sum(counts.values())))
    for status, number in counts.items():
        grid.add_row(Text(f"  {status}", style=STATUS_STYLES.get(status, "")), str(number))
    grid.add_row("Paid", str(figures["paid_count"]))
    for label, key in (
        ("Gross", "gross"),
        ("Refunded", "refunded"),
        ("Stripe fees", "fees"),
        ("Net", "net"),
        ("Platform fees", "platform_fees"),
        ("Payee amounts", "payee_amounts"),
        ("Average payment", "average"),
    ):
        grid.add_row(label, money(figures[key]) if figures[key] is not None else "-")
    for label, key in (("Success rate", "success_rate"), ("Failure rate", "failure_rate")):
        rate = figures[key]
        grid.add_row(label, f"{rate:.1%}" if rate is not None else "-")
    parts: list[Any] = [grid]
    if figures["top_customers"]:
        top = Table(box=box_style(console), title="Top customers", title_justify="left")
        top.add_column("Customer")
        top.add_column("Payments", justify="right")
        top.add_column("Amount", justify="right")
        for row in figures["top_customers"]:
            top.add_row(row["email"], str(row["count"]), money(row["amount"]))
        parts.append(top)
    return Panel(
        Group(*parts),
        title=f"{code.upper()}  {period['start'][:16]} → {period['end'][:16]}",
        title_align="left",
        box=box_style(console),
        expand=False,
    )
