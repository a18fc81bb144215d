"""An SSRF-guarded httpx transport for outbound webhook deliveries.

The subscriber's host is resolved once per connection, every address is checked, and the
connection goes to a checked address, never to a second resolution. That closes DNS
rebinding, where a name resolves to a public address when checked and to an internal one
when connected. The hostname stays in the URL, so the ``Host`` header and TLS SNI (and
certificate verification) still use it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpcore
import httpx

from hub.errors import HubError

__all__ = [
    "BlockedDestinationError",
    "GuardedBackend",
    "GuardedTransport",
    "Resolver",
    "SsrfPolicy",
    "blocked_reason",
    "build_delivery_client",
    "resolve_with_dns",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""Resolves ``(host, port)`` to IP address strings."""

# Ranges `is_global` alone misses or that tunnel to another address family.
_REFUSED: tuple[tuple[str, str], ...] = (
    ("169.254.169.254/32", "cloud metadata"),
    ("fd00:ec2::254/128", "cloud metadata"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("0.0.0.0/8", "this network"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("198.18.0.0/15", "benchmarking"),
    ("::ffff:0:0/96", "IPv4-mapped IPv6"),
    ("64:ff9b::/96", "NAT64"),
    ("2002::/16", "6to4"),
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
)
_REFUSED_NETWORKS = tuple((ipaddress.ip_network(net), why) for net, why in _REFUSED)


class BlockedDestinationError(HubError):
    """A webhook URL points somewhere deliveries may not go (an internal address, plain http)."""


@dataclass(frozen=True)
class SsrfPolicy:
    """Where deliveries may connect.

    Attributes:
        allow_networks: Networks allowed even though they are not global, e.g.
            ``127.0.0.0/8`` for tests and the sandbox.
        require_https: Refuse plain ``http`` URLs (production default).
    """

    allow_networks: tuple[IPNetwork, ...] = ()
    require_https: bool = True


def blocked_reason(address: IPAddress, allow_networks: Iterable[IPNetwork] = ()) -> str | None:
    """Why deliveries may not connect to ``address``, or ``None`` if they may.

    Args:
        address: One resolved address.
        allow_networks: Networks explicitly allowed; they win over every rule below.

    Returns:
        A short reason such as ``"loopback"``, or ``None`` for an allowed address.
    """
    # `in` across address families is False, so ::ffff:127.0.0.1 never matches 127.0.0.0/8.
    if any(address in net for net in allow_networks):
        return None
    for net, why in _REFUSED_NETWORKS:
        if address in net:
            return why
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "not globally routable"),
    )
    return next((why for failed, why in checks if failed), None)


def resolve_with_dns(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver, in its order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to addresses it has checked.

    Args:
        policy: Where connections may go.
        resolver: Turns a host into addresses; the system resolver unless injected.
        inner: The backend that opens sockets to checked IP addresses.
    """

    def __init__(
        self,
        policy: SsrfPolicy,
        resolver: Resolver = resolve_with_dns,
        *,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.SyncBackend()

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once and return its addresses if every one of them is allowed.

        Raises:
            BlockedDestinationError: If any address is refused, or there is none. One bad
                address refuses the host: a name mixing internal and public records is
                either misconfigured or an attack.
        """
        addresses = [ipaddress.ip_address(a) for a in self._resolver(host, port)]
        if not addresses:
            raise BlockedDestinationError(f"{host} resolved to no address")
        for address in addresses:
            reason = blocked_reason(address, self._policy.allow_networks)
            if reason is not None:
                raise BlockedDestinationError(f"{host} resolves to a {reason} address")
        return [str(a) for a in addresses]

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first checked address of ``host`` that accepts."""
        last_error: Exception | None = None
        for address in self.checked_addresses(host, port):
            try:
                return self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None  # checked_addresses never returns an empty list
        raise last_error

    def sleep(self, seconds: float) -> None:
        """Delegate to the inner backend."""
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An ``httpx.HTTPTransport`` whose connections go through a ``GuardedBackend``.

    No proxy (a proxy would resolve the host itself and bypass the check), no HTTP/2.

    Args:
        policy: Where connections may go.
        resolver: The injectable resolver (the system resolver by default).
        inner: The backend that opens sockets to checked addresses.
        limits: Connection pool limits.
    """

    def __init__(
        self,
        policy: SsrfPolicy,
        resolver: Resolver = resolve_with_dns,
        *,
        inner: httpcore.NetworkBackend | None = None,
        limits: httpx.Limits = httpx.Limits(max_keepalive_connections=100),  # noqa: B008
    ) -> None:
        super().__init__(trust_env=False, limits=limits)
        self._policy = policy
        # HTTPTransport does not expose httpcore's network_backend, so build the pool here.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, resolver, inner=inner),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse plain http when https is required, then send through the guarded pool."""
        if self._policy.require_https and request.url.scheme != "https":
            raise BlockedDestinationError(f"{request.url.host} must be reached over https")
        return super().handle_request(request)


def build_delivery_client(
    policy: SsrfPolicy,
    resolver: Resolver = resolve_with_dns,
    *,
    timeout: httpx.Timeout = httpx.Timeout(15.0, connect=5.0),  # noqa: B008
) -> httpx.Client:
    """An httpx client for deliveries: guarded, never following redirects, ignoring env proxies.

    Args:
        policy: Where connections may go.
        resolver: The injectable resolver.
        timeout: Per-attempt timeouts (15 s in all, 5 s to connect).

    Returns:
        A client to keep for the life of the worker process.
    """
    return httpx.Client(
        transport=GuardedTransport(policy, resolver),
        follow_redirects=False,
        trust_env=False,
        timeout=timeout,
    )
