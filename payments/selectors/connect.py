"""Reads of Stripe Connect payee accounts: which ones a caller may name as payee."""

from django.db.models import QuerySet

from payments.models import APIClient, ConnectedAccount


def payable_accounts(*, api_client: APIClient | None) -> QuerySet[ConnectedAccount]:
    """The connected accounts a caller may name as payee.

    An API client: the payees it registered itself (``POST connect/accounts/`` with a
    ``payee_reference``), by reference or account id; never another client's, nor an end
    user's. An end user (``api_client`` is ``None``): any account an end user onboarded for
    themselves (``connect/accounts/``, shown by ``connect/accounts/me/``), named by its public
    account id (``acct_...``): that is how a marketplace lets users pay each other. API
    clients' payees are private to them and never payable by end users.
    """
    if api_client is not None:
        return ConnectedAccount.objects.filter(api_client=api_client)
    return ConnectedAccount.objects.filter(user__isnull=False, api_client__isnull=True)
