from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from payments.models import APIClient
from payments.services.clients import api_client_create

DEMO_CLIENT = "demo"
DEMO_API_KEY = "demokey1.local-demo-key-not-secret"
DEMO_CALLBACK_SECRET = "cbsec_local_demo_callback_secret"
DEMO_ADMIN = ("admin", "admin")


class Command(BaseCommand):
    help = (
        "Development only: create the demo API client (with a known key) and an admin/admin "
        "superuser, so `make run` works out of the box. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--callback-url",
            default="http://127.0.0.1:8000/api/bookings/webhook/payment/",
            help="Where the demo client's callbacks go (the sample bookings app by default).",
        )

    def handle(self, *args, callback_url: str, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo_data creates well-known credentials: DEBUG must be on.")
        if not APIClient.objects.filter(name=DEMO_CLIENT).exists():
            created = api_client_create(
                name=DEMO_CLIENT, callback_url=callback_url, api_key=DEMO_API_KEY
            )
            APIClient.objects.filter(pk=created.client.pk).update(
                callback_secret=DEMO_CALLBACK_SECRET
            )
        user_model = get_user_model()
        username, password = DEMO_ADMIN
        if not user_model.objects.filter(username=username).exists():
            user_model.objects.create_superuser(username, "admin@example.com", password)
        self.stdout.write(f"Demo API client '{DEMO_CLIENT}': Api-Key {DEMO_API_KEY}")
        self.stdout.write(f"Demo callback secret: {DEMO_CALLBACK_SECRET}")
        self.stdout.write(f"Admin login: {username} / {password}")
