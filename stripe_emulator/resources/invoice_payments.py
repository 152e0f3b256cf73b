"""InvoicePayments: how an invoice was paid (its PaymentIntent), the only place an invoice
names it at API version 2025-03-31 and later; retrieve, list, and `payments` includable on an
invoice. The billing engine (`invoices.py`) writes them when an invoice is paid."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..expand import includable
from ..listing import list_of, paginate
from ..routing import route
from ..store import Store


def payment_of(store: Store, invoice: dict[str, Any]) -> dict[str, Any]:
    """The InvoicePayment of ``invoice`` (made with its PaymentIntent when it was finalised)."""
    return next(p for p in store.all("invoice_payment") if p["invoice"] == invoice["id"])


@includable("invoice", "payments")
def _payments(store: Store, invoice: dict[str, Any]) -> dict[str, Any]:
    rows = [p for p in store.all("invoice_payment") if p["invoice"] == invoice["id"]]
    return list_of(rows, f"/v1/invoice_payments?invoice={invoice['id']}")


@route("GET", "/v1/invoice_payments/{id}")
def retrieve_invoice_payment(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "invoice_payment")


@route("GET", "/v1/invoice_payments")
def list_invoice_payments(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    payment = params.get("payment") or {}
    rows = [
        row
        for row in ctx.store.all("invoice_payment")
        if params.get("invoice") in (None, row["invoice"])
        and payment.get("payment_intent") in (None, row["payment"]["payment_intent"])
    ]
    return paginate(ctx.store, rows, params, "/v1/invoice_payments", "invoice_payment")
