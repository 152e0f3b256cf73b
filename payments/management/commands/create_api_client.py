"""``manage.py create_api_client``: register a service that asks for payments, print its key."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from payments.callback_urls import validate_callback_url
from payments.models import APIClient
from payments.selectors.clients import api_client_name_taken
from payments.services.clients import api_client_create


class Command(BaseCommand):
    help = (
        "Create an API client (another service that asks for payments) and print its API key "
        "and callback signing secret. They are shown once: store them now."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="A unique name, e.g. bookings")
        parser.add_argument("--callback-url", default="", help="Where payment callbacks go")
        parser.add_argument(
            "--payable-type",
            action="append",
            default=[],
            dest="payable_types",
            help="Restrict the client to this payable type (repeatable). Default: any.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args, name, callback_url, payable_types, json: bool, **options):
        if api_client_name_taken(name=name):
            raise CommandError(f"An API client named '{name}' already exists.")
        if callback_url:
            try:
                URLValidator(schemes=["http", "https"])(callback_url)
                validate_callback_url(callback_url)
            except ValidationError as error:
                message = f"--callback-url '{callback_url}': {' '.join(error.messages)}"
                raise CommandError(message) from None
        created = api_client_create(
            name=name, callback_url=callback_url, allowed_payable_types=payable_types
        )
        client = created.client
        if json:
            self.stdout.write(_json_line(client, created.api_key))
            return
        created_line = f"Created API client '{client.name}' (id {client.pk})."
        self.stdout.write(self.style.SUCCESS(created_line))
        self.stdout.write(f"API key:          {created.api_key}")
        self.stdout.write(f"Callback secret:  {client.callback_secret}")
        self.stdout.write(f"Callback URL:     {client.callback_url or '(none)'}")
        self.stdout.write("Send the key as:  Authorization: Api-Key <API key>")


def _json_line(client: APIClient, api_key: str) -> str:
    return json.dumps(
        {
            "id": client.pk,
            "name": client.name,
            "api_key": api_key,
            "callback_secret": client.callback_secret,
            "callback_url": client.callback_url,
            "allowed_payable_types": client.allowed_payable_types,
        }
    )
