"""API clients: create one with its first key (shown once) and callback signing secret."""

from dataclasses import dataclass

from django.db import transaction

from payments.callback_urls import validate_callback_url
from payments.models import APIClient, APIClientKey


@dataclass(frozen=True)
class NewClientCredentials:
    client: APIClient
    api_key: str


@transaction.atomic
def api_client_create(
    *,
    name: str,
    callback_url: str = "",
    allowed_payable_types: list[str] | None = None,
    api_key: str | None = None,
) -> NewClientCredentials:
    """Create an API client and its first key. The plain key exists only in the return value.

    ``api_key`` lets demo data use a known key; normally one is generated. Raises Django's
    ``ValidationError`` for a callback URL that is not https on a public address
    (``payments.callback_urls``).
    """
    validate_callback_url(callback_url)
    client = APIClient.objects.create(
        name=name, callback_url=callback_url, allowed_payable_types=allowed_payable_types or []
    )
    if api_key:
        key_row = APIClientKey(name=f"{name} key", client=client)
        prefix, _, _ = api_key.partition(".")
        key_row.prefix = prefix
        key_row.hashed_key = APIClientKey.objects.key_generator.hash(api_key)
        key_row.id = f"{prefix}.{key_row.hashed_key}"
        key_row.save()
        return NewClientCredentials(client=client, api_key=api_key)
    _, key = APIClientKey.objects.create_key(name=f"{name} key", client=client)
    return NewClientCredentials(client=client, api_key=key)
