"""The payments admin: payment sessions (list, detail, refund / export / redeliver actions,
dashboard), subscriptions (with their invoices and a cancel action) and read-only views of
every record the app or Stripe writes.

Importing the modules registers their admins. The admin index gets a "Payments Dashboard"
link unless the project already set its own index template.
"""

from django.contrib import admin

from payments.admin import (
    callbacks,
    clients,
    payouts,
    reconciliation,
    records,
    sessions,
    subscriptions,
    webhooks,
)

__all__ = [
    "callbacks",
    "clients",
    "payouts",
    "reconciliation",
    "records",
    "sessions",
    "subscriptions",
    "webhooks",
]

if admin.site.index_template is None:
    admin.site.index_template = "admin/payments/index.html"
