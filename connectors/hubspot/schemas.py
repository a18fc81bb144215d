"""Vendor schemas: the shapes HubSpot sends, as pydantic models (unknown keys kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["HubSpotContact", "HubSpotPropertyDefinition", "HubSpotWebhookEvent"]


class HubSpotContact(BaseModel):
    """A contact (``SimplePublicObject``): property values are strings or null on the wire."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)
    createdAt: datetime
    updatedAt: datetime
    archived: bool = False


class HubSpotPropertyOption(BaseModel):
    """One option of an enumeration property."""

    model_config = ConfigDict(extra="allow", frozen=True)

    label: str
    value: str
    displayOrder: int = -1
    hidden: bool = False


class HubSpotPropertyDefinition(BaseModel):
    """A property definition as ``/crm/v3/properties/contacts`` returns or accepts it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    label: str
    type: str
    fieldType: str
    groupName: str = "contactinformation"
    description: str = ""
    options: list[HubSpotPropertyOption] = Field(default_factory=list)
    hasUniqueValue: bool = False


class HubSpotWebhookEvent(BaseModel):
    """One element of the JSON array HubSpot POSTs to a webhook target."""

    model_config = ConfigDict(extra="allow", frozen=True)

    subscriptionId: int | str
    objectId: int | str | None = None
    occurredAt: int
    subscriptionType: str | None = None
    eventType: str | None = None
    eventId: int | str | None = None
    propertyName: str | None = None
    primaryObjectId: int | str | None = None
    mergedObjectIds: list[int | str] = Field(default_factory=list)
    newObjectId: int | str | None = None
    fromObjectId: int | str | None = None
    toObjectId: int | str | None = None
    associationType: str | None = None
    associationRemoved: bool | None = None

    def extras(self) -> dict[str, Any]:
        """Fields HubSpot sent that this model does not name."""
        return dict(self.model_extra or {})


class HubSpotContactList(BaseModel):
    """A contact list (Lists v3) with the ids of its members (``members``, read separately)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    listId: str
    name: str
    processingType: str = "MANUAL"
    updatedAt: str
    members: list[str] = Field(default_factory=list)
