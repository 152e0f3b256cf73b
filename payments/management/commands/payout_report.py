"""`manage.py payout_report PAYOUT_ID`: what a payout contains, and whether it adds up."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from payments.selectors.exports import neutralise
from payments.selectors.payouts import DIFFERS, payout_contents, payout_get, payout_summary

# The exit status when the contents do not add up to the payout amount.
DOES_NOT_ADD_UP = 3
CSV_HEADER = ["balance_transaction", "type", "reporting_category", "amount", "fee", "net",
              "currency", "source", "session"]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Show what payout PAYOUT_ID (po_...) contains, from our database: every charge, "
        "refund, fee, dispute and transfer it paid out, the totals (gross, fees, refunds, "
        "net) and whether the net equals the payout amount. A manual payout is reported as "
        "not tied to transactions. --json for machines, --csv FILE for a spreadsheet. Amounts "
        "in minor units. Exits 3 when the contents do not add up."
    )

    def add_arguments(self, parser):
        parser.add_argument("payout_id", help="the Stripe payout id, po_...")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--csv", metavar="FILE", help="write the contents to a CSV file")

    def handle(self, *args, payout_id: str, json: bool, csv: str | None, **options):
        payout = payout_get(stripe_payout_id=payout_id)
        if payout is None:
            raise CommandError(f"No payout '{payout_id}' is recorded (is it a po_... id?).")
        summary = payout_summary(payout=payout)
        items = list(payout_contents(payout=payout)) if summary.items else []
        if csv:
            self._write_csv(csv, items)
        if json:
            report = {**summary.as_dict(), "contents": [_row(item) for item in items]}
            self.stdout.write(_dumps(report))
        else:
            self._print(summary, items)
        if summary.check == DIFFERS:
            raise CommandError(summary.check_text, returncode=DOES_NOT_ADD_UP)

    def _print(self, summary, items) -> None:
        write = self.stdout.write
        write(f"Payout {summary.payout_id} ({summary.account}): {summary.status}, "
              f"{summary.amount} {summary.currency}, "
              f"{'automatic' if summary.automatic else 'manual'}")  # fmt: skip
        for item in items:
            write(f"  {item.stripe_balance_transaction_id}  {item.type:<16} {item.amount:>10} "
                  f"fee {item.fee:>8} net {item.net:>10}  {item.source_id}")  # fmt: skip
        write(f"gross {summary.gross}  fees {summary.fees}  refunds {summary.refunds}  "
              f"net {summary.net}  payout {summary.amount}")  # fmt: skip
        write(summary.check_text)

    def _write_csv(self, path: str, items) -> None:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for item in items:
                row = _row(item)
                # Amounts stay numbers; text from Stripe is neutralised like exports.
                writer.writerow([v if isinstance(v, int) else neutralise(v) for v in row.values()])


def _row(item) -> dict:
    return {
        "balance_transaction": item.stripe_balance_transaction_id,
        "type": item.type,
        "reporting_category": item.reporting_category,
        "amount": item.amount,
        "fee": item.fee,
        "net": item.net,
        "currency": item.currency,
        "source": item.source_id,
        "session": str(item.session_id) if item.session_id else "",
    }


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2)
