from django.core.management.base import BaseCommand

from bookings.models import Service

DEMO_SERVICES = [
    # name, slug, price, deposit (minor units), currency
    ("Haircut", "haircut", 4000, 1000, "gbp"),
    ("Massage (60 min)", "massage", 7500, 2500, "gbp"),
    ("Free consultation", "consultation", 0, 0, "gbp"),
]


class Command(BaseCommand):
    help = (
        "Create the demo services of the sample bookings app (two with a deposit, one free). "
        "Safe to run repeatedly: existing services are updated."
    )

    def handle(self, *args, **options):
        for name, slug, price, deposit, currency in DEMO_SERVICES:
            Service.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "price_amount": price,
                    "deposit_amount": deposit,
                    "currency": currency,
                    "is_active": True,
                },
            )
            self.stdout.write(f"Service '{slug}': {name}, deposit {deposit} {currency}")
