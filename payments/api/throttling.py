"""Rate limits of the app's views: per API client, per person, per address when anonymous.

Rates come from ``PAYMENTS["THROTTLE_RATES"]`` (read on every request, so settings overrides
apply at once); a scope set to ``None`` is not throttled. Counts live in the cache named by
``PAYMENTS["THROTTLE_CACHE"]``: the default LocMemCache counts per process, so a deployment
with several processes should point it at a shared cache (database or Redis).

The address is ``REMOTE_ADDR``, or with ``PAYMENTS["NUM_PROXIES"] = n`` the n-th address from
the right of ``X-Forwarded-For`` (what the nearest trusted proxy saw), so a client cannot pick
its own address by sending that header.
"""

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from payments.api.permissions import api_client_of
from payments.conf import DEFAULTS, payments_settings


def client_address(request) -> str:
    proxies = int(payments_settings.NUM_PROXIES)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _is_person(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


class PaymentsRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, reading its rate and cache from the app's settings."""

    cache_format = "payments-throttle:%(scope)s:%(ident)s"

    @property
    def cache(self):
        return caches[payments_settings.THROTTLE_CACHE]

    def get_rate(self) -> str | None:
        rates = {**DEFAULTS["THROTTLE_RATES"], **(payments_settings.THROTTLE_RATES or {})}
        return rates.get(self.scope)

    def parse_rate(self, rate):
        if rate is None:
            return None, None
        return super().parse_rate(rate)

    def get_ident(self, request) -> str:
        return client_address(request)

    def key_for(self, ident) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class APIClientRateThrottle(PaymentsRateThrottle):
    scope = "api_client"

    def get_cache_key(self, request, view):
        client = api_client_of(request)
        return None if client is None else self.key_for(client.pk)


class PersonRateThrottle(PaymentsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if api_client_of(request) is not None or not _is_person(request):
            return None
        return self.key_for(request.user.pk)


class AnonymousRateThrottle(PaymentsRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if api_client_of(request) is not None or _is_person(request):
            return None
        return self.key_for(self.get_ident(request))


class TokenRateThrottle(PaymentsRateThrottle):
    """Every request to the token endpoints, per address."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.key_for(self.get_ident(request))


class FailedAuthenticationThrottle(PaymentsRateThrottle):
    """Counts failed logins, wrong API keys and bad tokens per address; once over the rate,
    that address is refused (429) before its credentials are even looked at, so the right
    password after many wrong ones is not answered either."""

    scope = "auth_failure"

    def get_cache_key(self, request, view):
        return self.key_for(self.get_ident(request))

    def exceeded(self, request) -> bool:
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        if self.rate is not None:
            self.exceeded(request)  # loads and trims the history
            self.throttle_success()  # which appends now and stores it


DEFAULT_THROTTLES = [APIClientRateThrottle, PersonRateThrottle, AnonymousRateThrottle]
