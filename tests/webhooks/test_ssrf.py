from __future__ import annotations

import ipaddress
import time

import httpcore
import httpx
import pytest
from standardwebhooks import Webhook

from hub.testing.server import serve_app
from hub.webhooks.signing import generate_secret, sign
from hub.webhooks.ssrf import (
    BlockedDestinationError,
    GuardedBackend,
    GuardedTransport,
    SsrfPolicy,
    blocked_reason,
    build_delivery_client,
    resolve_with_dns,
)

PUBLIC = "93.184.216.34"
LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.0/8"),)

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.1.1",
    "169.254.169.254",
    "fd00:ec2::254",
    "100.64.0.1",
    "100.127.255.254",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
    "0.0.0.0",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:93.184.216.34",
    "64:ff9b::a00:1",
    "2002:a00:1::1",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
]


class FakeResolver:
    """Answers each lookup with the next of ``answers`` (the last one repeats)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, host, port):
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


class FakeStream(httpcore.NetworkStream):
    def __init__(self, recorder):
        self.recorder = recorder

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        self.recorder.sni.append(server_hostname)
        raise httpcore.ConnectError("stop before any handshake")

    def close(self):
        pass


class RecordingBackend(httpcore.NetworkBackend):
    """Stands in for sockets: records where a connection would go, never connects."""

    def __init__(self):
        self.connected = []
        self.sni = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        return FakeStream(self)


def guarded_client(resolver, backend, *, allow=(), require_https=True):
    policy = SsrfPolicy(allow_networks=allow, require_https=require_https)
    transport = GuardedTransport(policy, resolver, inner=backend)
    return httpx.Client(transport=transport, follow_redirects=False, trust_env=False)


@pytest.mark.parametrize("address", REFUSED)
def test_host_resolving_to_internal_address_is_refused_without_connecting(address):
    backend = RecordingBackend()
    with (
        guarded_client(FakeResolver([address]), backend) as client,
        pytest.raises(BlockedDestinationError),
    ):
        client.post("https://hooks.example/in", content=b"{}")
    assert backend.connected == []


@pytest.mark.parametrize("address", REFUSED)
def test_refused_ranges_have_a_reason(address):
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_global_addresses_are_allowed(address):
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_allowlisted_network_is_allowed_but_nothing_else():
    assert blocked_reason(ipaddress.ip_address("127.0.0.1"), LOOPBACK_ONLY) is None
    assert blocked_reason(ipaddress.ip_address("10.0.0.1"), LOOPBACK_ONLY) == "private"
    assert blocked_reason(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK_ONLY) is not None


def test_one_internal_address_among_public_ones_refuses_the_host():
    backend = RecordingBackend()
    with (
        guarded_client(FakeResolver([PUBLIC, "10.0.0.1"]), backend) as client,
        pytest.raises(BlockedDestinationError),
    ):
        client.post("https://hooks.example/in", content=b"{}")
    assert backend.connected == []


def test_connection_goes_to_checked_address_with_hostname_as_sni():
    backend = RecordingBackend()
    with (
        guarded_client(FakeResolver([PUBLIC]), backend) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.post("https://hooks.example/in", content=b"{}")
    assert backend.connected == [(PUBLIC, 443)]
    assert backend.sni == ["hooks.example"]


@pytest.mark.parametrize("rebound_to", ["127.0.0.1", "10.0.0.1"])
def test_dns_rebinding_cannot_redirect_a_checked_connection(rebound_to):
    resolver = FakeResolver([PUBLIC], [rebound_to])
    backend = RecordingBackend()
    with guarded_client(resolver, backend) as client:
        with pytest.raises(httpx.ConnectError):
            client.post("https://hooks.example/in", content=b"{}")
        # One lookup per connection: the address checked is the address connected to.
        assert resolver.calls == [("hooks.example", 443)]
        with pytest.raises(BlockedDestinationError):
            client.post("https://hooks.example/in", content=b"{}")
    assert backend.connected == [(PUBLIC, 443)]


def test_plain_http_is_refused_when_https_is_required():
    resolver = FakeResolver([PUBLIC])
    backend = RecordingBackend()
    with guarded_client(resolver, backend) as client, pytest.raises(BlockedDestinationError):
        client.post("http://hooks.example/in", content=b"{}")
    assert resolver.calls == []
    assert backend.connected == []


def test_system_resolver_result_for_localhost_is_refused():
    with pytest.raises(BlockedDestinationError):
        GuardedBackend(SsrfPolicy()).checked_addresses("localhost", 80)


def test_system_resolver_returns_ip_literal_unchanged():
    assert resolve_with_dns("127.0.0.1", 80) == ["127.0.0.1"]


def make_receiver(seen):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen.append((scope["path"], headers, body))
        if scope["path"] == "/moved":
            status, extra = 302, [(b"location", b"/in")]
        else:
            status, extra = 204, []
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": b""})

    return app


def test_allowlisted_loopback_receiver_gets_a_verifiable_signed_post():
    seen = []
    secret = generate_secret()
    body = b'{"type":"person.hired","data":{}}'
    headers = sign("msg_1", int(time.time()), body, [secret])
    policy = SsrfPolicy(allow_networks=LOOPBACK_ONLY, require_https=False)
    with (
        serve_app(make_receiver(seen)) as base,
        build_delivery_client(policy, FakeResolver(["127.0.0.1"])) as client,
    ):
        port = httpx.URL(base).port
        response = client.post(f"http://hooks.example:{port}/in", content=body, headers=headers)
    assert response.status_code == 204
    [(path, received_headers, received_body)] = seen
    assert path == "/in"
    assert received_headers["host"] == f"hooks.example:{port}"
    Webhook(secret).verify(received_body, received_headers)


def test_redirects_are_not_followed():
    seen = []
    policy = SsrfPolicy(allow_networks=LOOPBACK_ONLY, require_https=False)
    with (
        serve_app(make_receiver(seen)) as base,
        build_delivery_client(policy, FakeResolver(["127.0.0.1"])) as client,
    ):
        response = client.post(f"{base}/moved", content=b"{}")
    assert response.status_code == 302
    assert [path for path, _, _ in seen] == ["/moved"]


def test_loopback_receiver_is_refused_without_the_allowlist():
    seen = []
    with (
        serve_app(make_receiver(seen)) as base,
        build_delivery_client(SsrfPolicy(require_https=False)) as client,
        pytest.raises(BlockedDestinationError),
    ):
        client.post(f"{base}/in", content=b"{}")
    assert seen == []
