"""OAuth2 client-credentials auth for Harvest v3, as an ``httpx.Auth`` flow.

The token request travels through the same client (and so the same injected transport) as the
API calls. A token is reused until shortly before it expires; a 401 from the API refreshes it
once and replays the request. Requests may share one auth from several threads: one of them
fetches a token while the others wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from connectors.greenhouse.schemas import TokenResponse
from hub.errors import ConfigError, RateLimitedError, UnavailableError

__all__ = ["GreenhouseAuth"]

log = logging.getLogger(__name__)

TOKEN_ENDPOINT = "POST /token"


@dataclass
class _Token:
    value: str
    expires_at: float


class GreenhouseAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>`` and keeps the token fresh.

    Args:
        token_url: The token endpoint (``{auth_url}/token``).
        client_id: OAuth2 client id.
        client_secret: OAuth2 client secret.
        user_id: The Greenhouse user the token acts as (``sub``).
        monotonic: Monotonic clock in seconds, for expiry.
        pace: Called before a request is replayed after a 401, so the replay is paced too.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        *,
        client_secret: str,
        user_id: str,
        monotonic: Callable[[], float],
        pace: Callable[[], None] | None = None,
    ) -> None:
        self._token_url = token_url
        self._basic = httpx.BasicAuth(client_id, client_secret)
        self._user_id = user_id
        self._monotonic = monotonic
        self._pace = pace
        self._token: _Token | None = None
        # Held while a token is fetched, so that concurrent requests wait for one token
        # rather than each minting its own.
        self._lock = threading.Lock()
        self.tokens_issued = 0

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Run :meth:`auth_flow`, closing it on every exit path (it may hold the token lock).

        httpx closes this generator when a request fails; closing the inner flow here releases
        the lock at once rather than whenever the flow is garbage-collected.
        """
        flow = self.auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = yield outgoing
                response.read()
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return
        finally:
            flow.close()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Authorize ``request``, fetching a token first if none is valid; refresh once on 401."""
        token = yield from self._valid_token(refused=None)
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code == 401:
            log.info("greenhouse token refused (HTTP 401); refreshing once")
            token = yield from self._valid_token(refused=token)
            request.headers["Authorization"] = f"Bearer {token.value}"
            if self._pace is not None:
                self._pace()
            yield request

    def _valid_token(
        self, *, refused: _Token | None
    ) -> Generator[httpx.Request, httpx.Response, _Token]:
        """The cached token unless expired or ``refused``, else a new one (fetched once).

        A request that waited for the lock finds the token another request just fetched.
        """
        token = self._token
        if token is not None and token is not refused and self._monotonic() < token.expires_at:
            return token
        with self._lock:
            token = self._token
            if token is None or token is refused or self._monotonic() >= token.expires_at:
                token = self._store((yield self._token_request()))
            return token

    def _token_request(self) -> httpx.Request:
        request = httpx.Request(
            "POST",
            self._token_url,
            data={"grant_type": "client_credentials", "sub": self._user_id},
        )
        # BasicAuth's flow only sets the header; reuse it rather than encoding by hand.
        return next(self._basic.auth_flow(request))

    def _store(self, response: httpx.Response) -> _Token:
        status = response.status_code
        if status == 429:
            raise RateLimitedError(f"{TOKEN_ENDPOINT}: rate limited", endpoint=TOKEN_ENDPOINT)
        if status >= 500:
            raise UnavailableError(
                f"{TOKEN_ENDPOINT}: HTTP {status}", status=status, endpoint=TOKEN_ENDPOINT
            )
        if status != 200:
            raise ConfigError(
                f"greenhouse: {TOKEN_ENDPOINT} refused the client credentials (HTTP {status}); "
                "check client_id, client_secret and user_id"
            )
        try:
            token = TokenResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise UnavailableError(
                f"{TOKEN_ENDPOINT}: unreadable token response", endpoint=TOKEN_ENDPOINT
            ) from exc
        # Renew a little early so a token never expires between our check and the vendor's.
        margin = min(60.0, token.expires_in * 0.1)
        self._token = _Token(token.access_token, self._monotonic() + token.expires_in - margin)
        self.tokens_issued += 1
        return self._token
