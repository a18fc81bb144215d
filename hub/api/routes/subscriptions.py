"""The webhook admin API: subscriptions, the delivery log and replays, under ``/api/v1``.

A secret appears in a response exactly twice in its life: when the subscription is created
and when it is rotated in. Lists and reads never show one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Self
from urllib.parse import urlsplit

import redis
from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from hub.api.deps import RowId, Service, require_admin
from hub.api.errors import ErrorBody
from hub.api.pagination import Limit, Offset
from hub.api.state import ServiceState
from hub.errors import HubError
from hub.queue import JobQueues
from hub.store.webhook_tables import WebhookDelivery, WebhookSubscription
from hub.webhooks import outbox, subscriptions
from hub.webhooks.dispatcher import ring_doorbell
from hub.webhooks.events import EVENT_TYPES
from hub.webhooks.settings import webhook_settings

router = APIRouter(
    prefix="/api/v1",
    tags=["webhooks"],
    dependencies=[Depends(require_admin)],
    responses={code: {"model": ErrorBody} for code in (401, 404, 422)},
)
log = logging.getLogger(__name__)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _storable(self) -> Self:
        # JSON may escape lone surrogates; no database can store them
        for name, value in self:
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and not _is_unicode(text):
                    raise ValueError(f"{name}: not valid Unicode text")
        return self


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parseable_url(url: str) -> str:
    try:
        urlsplit(url).port  # noqa: B018 - parses the host and port, raising on bad ones
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    return url


def _event_filters() -> list[str]:
    """Every filter that selects something: each type, ``prefix.*``, ``*.suffix`` and ``*``."""
    types = list(EVENT_TYPES)
    prefixes = {f"{t.split('.')[0]}.*" for t in types}
    suffixes = {f"*.{t.split('.', 1)[1]}" for t in types if "." in t}
    return ["*", *types, *sorted(prefixes), *sorted(suffixes)]


_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
Url = Annotated[
    str,
    Field(
        # ASCII only (an international domain name in its xn-- form), as sent on the wire
        pattern=r"^https?://[A-Za-z0-9.-]+(:" + _PORT + r")?([/?#][!-~]*)?$",
        max_length=2048,
        description="Where to POST events (https unless webhooks.require_https is off).",
    ),
    AfterValidator(_parseable_url),
]
# documented as the exact set the service accepts (it checks them again against the catalogue)
EventType = Annotated[str, Field(json_schema_extra={"enum": _event_filters()})]


class SubscriptionCreate(_Request):
    """A new subscription."""

    url: Url
    event_types: list[EventType] = Field(min_length=1)
    description: str = ""


class SubscriptionUpdate(_Request):
    """Fields to change; absent ones stay as they are."""

    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    description: str | None = None
    enabled: bool | None = None


class SubscriptionPublic(BaseModel):
    """A subscription, without its secrets."""

    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionPublic):
    """A new subscription with its secret, shown this once."""

    secret: str


class SecretRotated(BaseModel):
    """The new secret, shown this once; older ones sign until ``previous_expire_at``."""

    secret: str
    previous_expire_at: datetime


class SubscriptionsPage(BaseModel):
    """A page of subscriptions, oldest first."""

    items: list[SubscriptionPublic]
    total: int
    limit: int
    offset: int


class DeliveryPublic(BaseModel):
    """One message to one subscription, and where it stands."""

    id: int
    message_id: str
    subscription_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class DeliveriesPage(BaseModel):
    """A page of deliveries, newest first."""

    items: list[DeliveryPublic]
    total: int
    limit: int
    offset: int


def _public(sub: WebhookSubscription) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(sub, from_attributes=True)


def _delivery(delivery: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


def _not_found(exc: HubError) -> HTTPException:
    return HTTPException(404, str(exc))


def _ring(hub: ServiceState) -> None:
    try:
        ring_doorbell(JobQueues.for_config(hub.config))
    except (HubError, OSError, redis.RedisError):
        log.warning("webhook doorbell unreachable; the next dispatch sends the replay")


@router.post("/subscriptions", status_code=201)
def create_subscription(body: SubscriptionCreate, hub: Service) -> SubscriptionCreated:
    """Subscribe a URL to event types (wildcards allowed); the response holds the secret."""
    settings = webhook_settings(hub.config)
    with hub.sessions.begin() as session:
        try:
            created = subscriptions.create_subscription(
                session,
                body.url,
                body.event_types,
                now=hub.now(),
                description=body.description,
                require_https=settings.require_https,
            )
        except subscriptions.SubscriptionError as exc:
            raise HTTPException(422, str(exc)) from None
        public = _public(created.subscription)
    return SubscriptionCreated(**public.model_dump(), secret=created.secret)


@router.get("/subscriptions")
def list_subscriptions(hub: Service, limit: Limit = 50, offset: Offset = 0) -> SubscriptionsPage:
    """Subscriptions, oldest first, paginated with ``limit`` and ``offset``."""
    with hub.sessions() as session:
        rows, total = subscriptions.list_subscriptions(session, limit=limit, offset=offset)
        items = [_public(s) for s in rows]
    return SubscriptionsPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/subscriptions/{subscription_id}")
def get_subscription(subscription_id: str, hub: Service) -> SubscriptionPublic:
    """One subscription."""
    with hub.sessions() as session:
        try:
            return _public(subscriptions.get_subscription(session, subscription_id))
        except subscriptions.SubscriptionNotFoundError as exc:
            raise _not_found(exc) from None


@router.patch("/subscriptions/{subscription_id}")
def update_subscription(
    subscription_id: str, body: SubscriptionUpdate, hub: Service
) -> SubscriptionPublic:
    """Change a subscription's URL, filters, description or enabled flag."""
    settings = webhook_settings(hub.config)
    with hub.sessions.begin() as session:
        try:
            sub = _update(
                session, subscription_id, body, now=hub.now(), https=settings.require_https
            )
        except subscriptions.SubscriptionNotFoundError as exc:
            raise _not_found(exc) from None
        except subscriptions.SubscriptionError as exc:
            raise HTTPException(422, str(exc)) from None
        public = _public(sub)
    if body.enabled:
        _ring(hub)
    return public


def _update(
    session: Session, subscription_id: str, body: SubscriptionUpdate, *, now: datetime, https: bool
) -> WebhookSubscription:
    sub = subscriptions.update_subscription(
        session,
        subscription_id,
        now=now,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        require_https=https,
    )
    if body.enabled is not None and body.enabled != sub.enabled:
        sub = subscriptions.set_enabled(session, subscription_id, body.enabled, now=now)
    return sub


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: str, hub: Service) -> Response:
    """Delete a subscription with its secrets and delivery log."""
    with hub.sessions.begin() as session:
        try:
            subscriptions.remove_subscription(session, subscription_id)
        except subscriptions.SubscriptionNotFoundError as exc:
            raise _not_found(exc) from None
    return Response(status_code=204)


@router.post("/subscriptions/{subscription_id}/rotate-secret")
def rotate_secret(subscription_id: str, hub: Service) -> SecretRotated:
    """Make a new secret; older ones keep signing for the configured grace period."""
    grace = webhook_settings(hub.config).rotation_grace
    now = hub.now()
    with hub.sessions.begin() as session:
        try:
            secret = subscriptions.rotate_secret(session, subscription_id, now=now, grace=grace)
        except subscriptions.SubscriptionNotFoundError as exc:
            raise _not_found(exc) from None
    return SecretRotated(secret=secret, previous_expire_at=now + grace)


@router.get("/deliveries")
def list_deliveries(
    hub: Service,
    subscription_id: str | None = None,
    status: Annotated[
        str | None, Query(pattern="^(pending|retrying|succeeded|exhausted|failed)$")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveriesPage:
    """Deliveries, newest first; ``status=failed`` means retrying or exhausted."""
    with hub.sessions() as session:
        rows, total = outbox.list_deliveries(
            session, subscription_id=subscription_id, status=status, limit=limit, offset=offset
        )
        items = [_delivery(d) for d in rows]
    return DeliveriesPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/deliveries/{delivery_id}/replay")
def replay_delivery(delivery_id: RowId, hub: Service) -> DeliveryPublic:
    """Send a delivery again now: same ``webhook-id``, new timestamp, a fresh retry schedule."""
    with hub.sessions.begin() as session:
        try:
            delivery = _delivery(outbox.replay_delivery(session, delivery_id, now=hub.now()))
        except outbox.DeliveryNotFoundError as exc:
            raise _not_found(exc) from None
    _ring(hub)
    return delivery
