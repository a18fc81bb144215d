"""The HubSpot CRM v3 client: one method per endpoint the hub uses, nothing else.

Every call goes through :class:`~connectors.hubspot.vendor_http.HubSpotHTTP`: paced to the burst
window (search to its own, lower limit), retried on 429/5xx/network errors, stopped before the
daily allowance's reserve, and classified into the hub's error tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from connectors.hubspot.settings import HubSpotSettings
from connectors.hubspot.vendor_http import (
    DailyAllowance,
    HubSpotHTTP,
    parse_hubspot_error,
    read_hubspot_rate_headers,
)
from hub.connector import ConnectorContext
from hub.http import RateBudget, RateHeaders, RetryPolicy, build_http_client

__all__ = ["CONTACTS", "BatchResponse", "HubSpotClient"]

CONTACTS = "/crm/v3/objects/contacts"
PROPERTIES = "/crm/v3/properties/contacts"
JSON = dict[str, Any]
BURST_WINDOW_SECONDS = 10.0


def _daily_only(headers: httpx.Headers) -> RateHeaders:
    # Search has its own per-second limit: the burst headers must not resize its budget.
    return RateHeaders(daily_remaining=read_hubspot_rate_headers(headers).daily_remaining)


def _search_budget(rate: float, clock: Any) -> RateBudget:
    if rate <= 0:
        return RateBudget(limit=0, window=1.0, clock=clock)
    if rate >= 1:
        return RateBudget(limit=int(rate), window=1.0, clock=clock, margin=0.0)
    return RateBudget(limit=1, window=1.0 / rate, clock=clock, margin=0.0)


class BatchResponse:
    """A batch endpoint's answer: its status (200/201/207) and body.

    Args:
        status: HTTP status.
        body: The parsed JSON body (empty for 204).
    """

    def __init__(self, status: int, body: JSON) -> None:
        self.status = status
        self.results: list[JSON] = list(body.get("results") or [])
        self.errors: list[JSON] = list(body.get("errors") or [])


class HubSpotClient:
    """Typed access to HubSpot's contacts, search and properties endpoints.

    Args:
        settings: The connection's settings.
        context: Injected transport, sleep and clocks.
        retry: Retry policy (the default retries 6 times with jittered backoff).
    """

    def __init__(
        self,
        settings: HubSpotSettings,
        context: ConnectorContext,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        token = settings.access_token.get_secret_value()
        client = build_http_client(
            base_url=settings.base_url,
            context=context,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
        )
        self.allowance = DailyAllowance(settings.daily_reserve)
        common: dict[str, Any] = {
            "vendor": "hubspot",
            "client": client,
            "context": context,
            "retry": retry,
            "parse_error": parse_hubspot_error,
            "allowance": self.allowance,
            "interval_seconds": BURST_WINDOW_SECONDS,
        }
        self.http = HubSpotHTTP(
            budget=RateBudget(
                limit=settings.rate_limit, window=BURST_WINDOW_SECONDS, clock=context.monotonic
            ),
            read_rate_headers=read_hubspot_rate_headers,
            **common,
        )
        self.search_http = HubSpotHTTP(
            budget=_search_budget(settings.search_rate_per_second, context.monotonic),
            read_rate_headers=_daily_only,
            **common,
        )

    def close(self) -> None:
        """Release HTTP connections."""
        self.http.close()

    # -- reads -------------------------------------------------------------------------------

    def list_contacts(
        self,
        *,
        properties: Sequence[str] = (),
        after: str | None = None,
        limit: int = 100,
        archived: bool = False,
    ) -> tuple[list[JSON], str | None]:
        """One page of ``GET /crm/v3/objects/contacts``; returns (results, next ``after``)."""
        params: dict[str, Any] = {"limit": min(limit, 100), "archived": str(archived).lower()}
        if properties:
            params["properties"] = ",".join(properties)
        if after:
            params["after"] = after
        body = self.http.request("GET", CONTACTS, endpoint="GET contacts", params=params).json()
        next_page = (body.get("paging") or {}).get("next") or {}
        return list(body.get("results") or []), next_page.get("after")

    def iter_contacts(
        self, *, properties: Sequence[str] = (), archived: bool = False
    ) -> Iterator[list[JSON]]:
        """Every contact, one listing page (100) at a time, following ``after`` cursors."""
        after: str | None = None
        while True:
            results, after = self.list_contacts(
                properties=properties, after=after, archived=archived
            )
            yield results
            if not after:
                return

    def batch_read(
        self, ids: Sequence[str], *, properties: Sequence[str] = (), id_property: str | None = None
    ) -> list[JSON]:
        """Read up to 100 contacts by id (or by ``id_property``, e.g. email); missing omitted."""
        if len(ids) > 100:
            raise ValueError("HubSpot batch read takes at most 100 ids")
        payload: JSON = {"inputs": [{"id": i} for i in ids], "properties": list(properties)}
        if id_property:
            payload["idProperty"] = id_property
        response = self.http.request(
            "POST", f"{CONTACTS}/batch/read", endpoint="POST contacts/batch/read", json=payload
        )
        return list(response.json().get("results") or [])

    def search(self, body: Mapping[str, Any]) -> JSON:
        """``POST /crm/v3/objects/contacts/search`` with its own rate budget."""
        response = self.search_http.request(
            "POST", f"{CONTACTS}/search", endpoint="POST contacts/search", json=dict(body)
        )
        result: JSON = response.json()
        return result

    def get_contact(self, contact_id: str, *, properties: Sequence[str] = ()) -> JSON:
        """``GET /crm/v3/objects/contacts/{id}``."""
        params = {"properties": ",".join(properties)} if properties else {}
        response = self.http.request(
            "GET", f"{CONTACTS}/{contact_id}", endpoint="GET contacts/{id}", params=params
        )
        result: JSON = response.json()
        return result

    # -- writes ------------------------------------------------------------------------------

    def create_contact(self, properties: Mapping[str, str]) -> JSON:
        """``POST /crm/v3/objects/contacts`` (409 raises ConflictError with ``existing_id``)."""
        response = self.http.request(
            "POST", CONTACTS, endpoint="POST contacts", json={"properties": dict(properties)}
        )
        result: JSON = response.json()
        return result

    def update_contact(
        self, contact_id: str, properties: Mapping[str, str], *, id_property: str | None = None
    ) -> JSON:
        """``PATCH /crm/v3/objects/contacts/{id}``; ``""`` clears a value."""
        params = {"idProperty": id_property} if id_property else {}
        response = self.http.request(
            "PATCH",
            f"{CONTACTS}/{contact_id}",
            endpoint="PATCH contacts/{id}",
            params=params,
            json={"properties": dict(properties)},
        )
        result: JSON = response.json()
        return result

    def set_lifecycle_stage(self, contact_id: str, stage: str) -> JSON:
        """Set ``lifecyclestage``, clearing it first so that a backward move is accepted."""
        self.update_contact(contact_id, {"lifecyclestage": ""})
        return self.update_contact(contact_id, {"lifecyclestage": stage})

    def batch_write(self, action: str, inputs: Sequence[Mapping[str, Any]]) -> BatchResponse:
        """``POST .../batch/{create|update|upsert}`` with up to 100 inputs; 207 is returned."""
        if action not in {"create", "update", "upsert"} or len(inputs) > 100:
            raise ValueError("batch_write takes create/update/upsert and at most 100 inputs")
        response = self.http.request(
            "POST",
            f"{CONTACTS}/batch/{action}",
            endpoint=f"POST contacts/batch/{action}",
            json={"inputs": [dict(item) for item in inputs]},
        )
        return BatchResponse(response.status_code, response.json() if response.content else {})

    def merge(self, primary_id: str, merged_id: str) -> JSON:
        """``POST .../merge``: keep ``primary_id``, fold ``merged_id`` into it."""
        response = self.http.request(
            "POST",
            f"{CONTACTS}/merge",
            endpoint="POST contacts/merge",
            json={"primaryObjectId": primary_id, "objectIdToMerge": merged_id},
        )
        result: JSON = response.json()
        return result

    def archive(self, contact_id: str) -> None:
        """``DELETE /crm/v3/objects/contacts/{id}`` (restorable for 90 days)."""
        self.http.request("DELETE", f"{CONTACTS}/{contact_id}", endpoint="DELETE contacts/{id}")

    def gdpr_delete(self, object_id: str, *, id_property: str | None = None) -> None:
        """``POST .../gdpr-delete``: erase the contact permanently."""
        payload: JSON = {"objectId": object_id}
        if id_property:
            payload["idProperty"] = id_property
        self.http.request(
            "POST", f"{CONTACTS}/gdpr-delete", endpoint="POST contacts/gdpr-delete", json=payload
        )

    # -- properties --------------------------------------------------------------------------

    def list_properties(self) -> list[JSON]:
        """Every contact property definition."""
        response = self.http.request("GET", PROPERTIES, endpoint="GET properties/contacts")
        return list(response.json().get("results") or [])

    def create_property(self, definition: Mapping[str, Any]) -> JSON:
        """Create a contact property."""
        response = self.http.request(
            "POST", PROPERTIES, endpoint="POST properties/contacts", json=dict(definition)
        )
        result: JSON = response.json()
        return result

    def list_property_groups(self) -> list[JSON]:
        """Every contact property group."""
        response = self.http.request(
            "GET", f"{PROPERTIES}/groups", endpoint="GET properties/contacts/groups"
        )
        return list(response.json().get("results") or [])

    def create_property_group(self, group: Mapping[str, Any]) -> JSON:
        """Create a contact property group."""
        response = self.http.request(
            "POST",
            f"{PROPERTIES}/groups",
            endpoint="POST properties/contacts/groups",
            json=dict(group),
        )
        result: JSON = response.json()
        return result
