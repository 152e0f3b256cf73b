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
        markup=False,  # a payable id such as "[bold]" is data, not a style
    )


def box_style(console: Console) -> box.Box:
    return box.ROUNDED if console.is_terminal else box.ASCII


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else "-"


def _session_lines(session: PaymentSession) -> list[tuple[str, str | Text]]:
    money = lambda amount: format_money(amount, session.currency)  # noqa: E731
    amount = money(session.amount)
    if session.amount_refunded:
        amount += f"  ({money(session.amount_refunded)} refunded)"
    customer = session.customer
    lines: list[tuple[str, str | Text]] = [
        ("Status", Text(session.status, style=STATUS_STYLES.get(session.status, ""))),
        ("Amount", amount),
    ]
    if session.payee_amount is not None:
        lines += [
            ("Platform fee", money(session.platform_fee)),
            ("Payee amount", money(session.payee_amount)),
        ]
    lines += [
        ("Customer", f"{customer.name} <{customer.email}>" if customer else "-"),
        ("Payable", f"{session.payable_type} {session.payable_id}"),
        ("Subscription", _invoice_of(session)),
        ("Client", session.api_client.name if session.api_client else "-"),
        ("Checkout", session.stripe_checkout_session_id),
        ("Intent", session.stripe_payment_intent_id),
        ("Charge", session.stripe_charge_id),
    ]
    if session.card_last4:
        lines.append(("Card", f"{session.card_brand} •••• {session.card_last4}"))
    if session.failure_code:
        reason = session.failure_decline_code or session.failure_code
        lines.append(("Failure", f"{reason}: {session.failure_message}"))
    lines += [("Created", when(session.created_at)), ("Paid", when(session.paid_at))]
    for refund in session.refunds.all():
        refund_id = refund.stripe_refund_id or ""
        text = f"{money(refund.amount)} {refund.status} {when(refund.created_at)} {refund_id}"
        lines.append(("Refund", text.rstrip()))
    return [(label, value) for label, value in lines if value]


def _invoice_of(session: PaymentSession) -> str:
    """A subscription's invoice (the first or a renewal): which subscription, which invoice."""
    if session.subscription_id is None:
        return ""
    return f"{session.subscription_id} (invoice {session.stripe_invoice_id or '-'})"


def session_panel(session: PaymentSession, console: Console) -> Panel:
    """One payment as a box: status, money, who, what, Stripe ids, card, times, refunds.

    The body is one ``Text`` with aligned labels rather than a ``Table``: rich measures a
    table cell by cell, which made fifty boxes cost a quarter of a second.
    """
    body = Text()
    for n, (label, value) in enumerate(_session_lines(session)):
        body.append(("\n" if n else "") + f"{label:<14}", style="bold")
        body.append(value)
    money = format_money(session.amount, session.currency)
    return Panel(
        body,
        title=f"{money} · {session.status}",
        title_align="left",
        subtitle=str(session.pk),
        subtitle_align="right",
        box=box_style(console),
        expand=False,
    )


def _report_lines(code: str, figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, style of the label) for one currency of the report."""
    money = lambda amount: "-" if amount is None else format_money(amount, code)  # noqa: E731
    percent = lambda rate: "-" if rate is None else f"{rate:.1%}"  # noqa: E731
    counts = {status: n for status, n in figures["count_by_status"].items() if n}
    lines = [("Sessions created", str(sum(counts.values())), "bold")]
    lines += [(f"  {s}", str(n), STATUS_STYLES.get(s, "")) for s, n in counts.items()]
    lines.append(("Paid", str(figures["paid_count"]), "bold"))
    for label, key in (
        ("Gross", "gross"),
        ("Refunded", "refunded"),
        ("Stripe fees", "fees"),
        ("Net", "net"),
        ("Platform fees", "platform_fees"),
        ("Payee amounts", "payee_amounts"),
        ("Average payment", "average"),
    ):
        lines.append((label, money(figures[key]), "bold"))
    lines.append(("Success rate", percent(figures["success_rate"]), "bold"))
    lines.append(("Failure rate", percent(figures["failure_rate"]), "bold"))
    lines.append(("MRR at the end", money(figures["mrr"]), "bold"))
    for label, key in (
        ("New subscriptions", "new_subscriptions"),
        ("Churned subscriptions", "churned_subscriptions"),
        ("Failed renewals", "failed_renewals"),
    ):
        lines.append((label, str(figures[key]), "bold"))
    return lines


def report_panel(code: str, figures: dict[str, Any], period: dict, console: Console) -> Panel:
    """One currency of ``payments_report``: the figures, then the top customers."""
    lines = _report_lines(code, figures)
    label_width = max(len(label) for label, _, _ in lines) + 2
    width = max(len(value) for _, value, _ in lines)
    body = Text()
    for n, (label, value, style) in enumerate(lines):
        body.append(("\n" if n else "") + f"{label:<{label_width}}", style=style)
        body.append(f"{value:>{width}}")
    parts: list[Any] = [body]
    if figures["top_customers"]:
        top = Table(box=box_style(console), title="Top customers", title_justify="left")
        top.add_column("Customer")
        top.add_column("Payments", justify="right")
        top.add_column("Amount", justify="right")
        for row in figures["top_customers"]:
            top.add_row(row["email"], str(row["count"]), format_money(row["amount"], code))
        parts.append(top)
    return Panel(
        Group(*parts),
        title=f"{code.upper()}  {period['start'][:16]} → {period['end'][:16]}",
        title_align="left",
        box=box_style(console),
        expand=False,
    )
