"""``manage.py payments_report``: per-currency totals for a period, with subscriptions' MRR."""

import json

from django.core.management.base import BaseCommand

from payments.management import arguments
from payments.management.console import console_for, report_panel
from payments.selectors import payments_report, period_for


class Command(BaseCommand):
    help = (
        "Revenue report per currency (never summed across currencies): sessions by status, "
        "gross, refunds, Stripe fees, net, platform fees and payee amounts, success and failure "
        "rate, average payment, top 5 customers. The period is one --date, or the last --days "
        "calendar days up to now (default 30; --days 1 is today). Gross counts sessions paid in "
        "the period at their full amount; fees, net and refunds are the ledger's for the "
        "period. Subscriptions: MRR at the period's end (monthly-normalised amounts of the "
        "active subscriptions), new and churned subscriptions and failed renewals in the "
        "period. --json prints one object, amounts in minor units."
    )

    def add_arguments(self, parser):
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--date", type=arguments.day, metavar="YYYY-MM-DD")
        period.add_argument("--days", type=arguments.positive_int, metavar="N")
        parser.add_argument("--currency", metavar="C", help="Only this currency (e.g. gbp).")
        parser.add_argument("--json", action="store_true", help="One JSON object.")

    def handle(self, *args, **options):
        if options["date"]:
            period = period_for(day=options["date"])
        else:
            period = period_for(days=options["days"] or 30)
        report = payments_report(period=period, currency=options["currency"])
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        console = console_for(self.stdout)
        for code, figures in report["currencies"].items():
            console.print(report_panel(code, figures, report["period"], console))
        if not report["currencies"]:
            console.print(f"No payments from {period.start} to {period.end}.")
