"""The app's models, one module per concern, all importable from ``payments.models``."""

from payments.models.callbacks import CallbackAttempt, CallbackEvent
from payments.models.clients import APIClient, APIClientKey
from payments.models.connect import ConnectedAccount
from payments.models.customers import Customer
from payments.models.idempotency import IdempotencyKey
from payments.models.ledger import Transaction
from payments.models.logs import PaymentLog
from payments.models.payouts import Payout, PayoutItem
from payments.models.reconciliation import ReconciliationFinding, ReconciliationRun
from payments.models.refunds import Refund
from payments.models.sessions import PaymentSession
from payments.models.subscriptions import Subscription
from payments.models.webhooks import WebhookEvent

__all__ = [
    "APIClient",
    "APIClientKey",
    "CallbackAttempt",
    "CallbackEvent",
    "ConnectedAccount",
    "Customer",
    "IdempotencyKey",
    "PaymentLog",
    "PaymentSession",
    "Payout",
    "PayoutItem",
    "ReconciliationFinding",
    "ReconciliationRun",
    "Refund",
    "Subscription",
    "Transaction",
    "WebhookEvent",
]
