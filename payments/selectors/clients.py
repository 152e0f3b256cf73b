"""Reads of API clients (the services that ask for payments)."""

from payments.models import APIClient


def api_client_name_taken(*, name: str) -> bool:
    """Whether an API client already has this (unique) name."""
    return APIClient.objects.filter(name=name).exists()
