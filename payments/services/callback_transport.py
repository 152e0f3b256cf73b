"""The HTTP session callbacks are POSTed with: it connects to public addresses only.

The check runs on the socket after it connected (its peer address), not on a DNS answer read
earlier, so there is no window between checking a name and using it (DNS rebinding). TLS
then runs on that socket as usual, with the URL's host name for SNI and certificate checks.
Proxies from the environment are ignored (a proxy would hide the peer), and redirects are
never followed.
"""

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from payments.callback_urls import address_is_public, private_callbacks_allowed


class NonPublicAddress(NewConnectionError):
    """The callback host's connection landed on a loopback, private or link-local address."""


class _PeerChecked:
    def _new_conn(self):
        sock = super()._new_conn()
        if private_callbacks_allowed():
            return sock
        address = sock.getpeername()[0]
        if not address_is_public(address):
            sock.close()
            raise NonPublicAddress(
                self, f"refused: {self.host} connected to {address}, not a public address"
            )
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """A transport adapter whose connections refuse non-public peers."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def callback_http_session() -> requests.Session:
    """A fresh session for one delivery: no environment proxies, public peers only."""
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = 0
    adapter = PublicOnlyAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def refused_for_address(error: BaseException) -> bool:
    """Whether a ``requests`` error came from ``NonPublicAddress``."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, NonPublicAddress):
            return True
        reason = getattr(error, "reason", None)
        nested = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
        error = reason or nested or error.__cause__ or error.__context__
    return False
