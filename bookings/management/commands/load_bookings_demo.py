from django.core.management.base import BaseCommand

from bookings.models import Service

DEMO_SERVICES = [
    # name, slug, price, deposit, monthly membership (minor units; 0: none), currency
    ("Haircut", "haircut", 4000, 1000, 0, "gbp"),
    ("Massage (60 min)", "massage", 7500, 2500, 0, "gbp"),
    ("Free consultation", "consultation", 0, 0, 0, "gbp"),
    ("Gym class", "gym", 2000, 500, 1500, "gbp"),
]


class Command(BaseCommand):
    help = (
        "Create the demo services of the sample bookings app (three with a deposit, one of "
        "them with a monthly membership, and one free). "
        "Safe to run repeatedly: existing services are updated."
    )

    def handle(self, *args, **options):
        for name, slug, price, deposit, membership, currency in DEMO_SERVICES:
            Service.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "price_amount": price,
                    "deposit_amount": deposit,
                    "membership_amount": membership,
                    "currency": currency,
                    "is_active": True,
                },
            )
            monthly = f", membership {membership} {currency}/month" if membership else ""
            self.stdout.write(f"Service '{slug}': {name}, deposit {deposit} {currency}{monthly}")
