"""``manage.py list_payments``: print filtered payment sessions (a table, or JSON lines)."""

import json

from django.core.management.base import BaseCommand

from payments.api.refunds import RefundSerializer
from payments.api.serializers import PaymentSessionSerializer
from payments.management import arguments
from payments.management.console import console_for, session_panel
from payments.models.sessions import Flow
from payments.selectors import SessionFilters, payment_session_list
from payments.states import PaymentStatus


class Command(BaseCommand):
    help = (
        "List payment sessions, newest first, each as a box: status, amount, platform fee and "
        "payee amount, customer, payable, Stripe ids, card, created/paid times and refunds. "
        "A subscription's invoice (first or renewal) shows its subscription and invoice; --flow "
        "subscription_invoice lists only those, --subscription one subscription's. "
        "--json prints one JSON object per line instead (the API's session plus its refunds, "
        "flow, subscription and stripe_invoice_id). "
        "--since/--until take a date (the whole day) or a date and time, on the creation time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=arguments.positive_int, default=20)
        parser.add_argument("--status", choices=PaymentStatus.values)
        parser.add_argument("--payable-type", metavar="T")
        parser.add_argument("--payable-id", metavar="ID")
        parser.add_argument("--customer", metavar="EMAIL", help="The customer's e-mail address.")
        parser.add_argument("--since", type=arguments.moment, metavar="DATE")
        parser.add_argument("--until", type=arguments.moment, metavar="DATE")
        parser.add_argument("--flow", choices=Flow.values, help="subscription_invoice: renewals.")
        parser.add_argument(
            "--subscription",
            type=arguments.subscription,
            metavar="ID",
            help="Only this subscription's invoices (our id or Stripe's sub_...).",
        )
        parser.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args, **options):
        filters = SessionFilters(
            status=options["status"],
            payable_type=options["payable_type"],
            payable_id=options["payable_id"],
            customer_email=options["customer"],
            since=arguments.since_bound(options["since"]),
            until=arguments.until_bound(options["until"]),
            flow=options["flow"],
            subscription=options["subscription"],
        )
        sessions = payment_session_list(filters=filters).prefetch_related("refunds")
        sessions = sessions[: options["limit"]]
        if options["json"]:
            for session in sessions:
                self.stdout.write(json.dumps(_as_json(session), separators=(",", ":")))
            return
        console = console_for(self.stdout)
        for session in sessions:
            console.print(session_panel(session, console))
        if not sessions:
            console.print("No payments match.")


def _as_json(session) -> dict:
    data = PaymentSessionSerializer(session).data
    data["refunds"] = RefundSerializer(session.refunds.all(), many=True).data
    # Which subscription an invoice's session renews (the API's session has no such field).
    data["flow"] = session.flow
    data["subscription"] = session.subscription_id
    data["stripe_invoice_id"] = session.stripe_invoice_id
    return json.loads(json.dumps(data, default=str))
