"""Where callbacks may be sent: ``https`` to public addresses only (no SSRF).

A callback URL is an API client's to choose, and the worker POSTs to it from inside our
network, so a URL aimed at loopback, a private network, link-local addresses (the cloud
metadata service at 169.254.169.254) or any other non-public address is refused:

* at registration (``create_api_client``, ``api_client_create``, the admin: the model field's
  validator), after resolving the host name;
* at delivery, against the address actually connected to (``callback_transport``), so a name
  that resolves differently later (DNS rebinding) gains nothing.

``PAYMENTS["ALLOW_PRIVATE_CALLBACKS"]`` (environment ``PAYMENTS_ALLOW_PRIVATE_CALLBACKS=true``)
allows ``http`` and private hosts for development and tests; the system check payments.W030
warns when it is on with ``DEBUG`` off.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from payments.conf import payments_settings


def private_callbacks_allowed() -> bool:
    return bool(payments_settings.ALLOW_PRIVATE_CALLBACKS)


def address_is_public(address: str) -> bool:
    """Whether ``address`` (an IP literal) is a public unicast address on the internet.

    ``is_global`` is false for loopback, private (RFC 1918, fc00::/7), link-local, shared
    (100.64/10), documentation, reserved and unspecified ranges; IPv4-mapped IPv6 addresses
    are judged by their IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def callback_url_shape_problem(url: str) -> str:
    """Why ``url`` is not a URL callbacks may go to, judged without DNS ('' when it may)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    allowed_schemes = ("https", "http") if private_callbacks_allowed() else ("https",)
    if parts.scheme not in allowed_schemes:
        return "must be an https:// URL"
    if not parts.hostname:
        return "has no host name"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    if port == 0:
        return "has no port"
    if private_callbacks_allowed():
        return ""
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return ""
    if not address_is_public(str(literal)):
        return f"points at {literal}, which is not a public address"
    return ""


def callback_url_problem(url: str) -> str:
    """Why callbacks may not go to ``url`` ('' when they may). Resolves the host name: every
    address it resolves to must be public (unless private callbacks are allowed)."""
    problem = callback_url_shape_problem(url)
    if problem or private_callbacks_allowed():
        return problem
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"has a host name, {parts.hostname}, that does not resolve"
    private = sorted({info[4][0] for info in infos if not address_is_public(info[4][0])})
    if private:
        return f"resolves to {', '.join(private)}, which is not a public address"
    return ""


def validate_callback_url(url: str) -> None:
    """Django validator (the ``APIClient.callback_url`` field, forms, commands)."""
    if not url:
        return
    problem = callback_url_problem(url)
    if problem:
        raise ValidationError(
            "Callback URL %(url)s %(problem)s: callbacks go only to https URLs on public "
            "addresses (PAYMENTS_ALLOW_PRIVATE_CALLBACKS=true allows others in development).",
            code="callback_url_refused",
            params={"url": url, "problem": problem},
        )


def sanitised_excerpt(raw: bytes, *, limit: int = 200) -> str:
    """At most ``limit`` printable characters of an answer body, for staff to read."""
    text = raw.decode("utf-8", errors="replace")
    return "".join(char if char.isprintable() else " " for char in text)[:limit].strip()
