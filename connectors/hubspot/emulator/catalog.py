"""The emulator's property definitions and HubSpot's value validation rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connectors.hubspot.properties import HUB_GROUP, HUB_PROPERTIES

__all__ = ["LIFECYCLE_STAGES", "LEAD_STATUSES", "READ_ONLY", "PropertyCatalog"]

LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
READ_ONLY = frozenset({"hs_object_id", "createdate", "lastmodifieddate"})
DAY_MS = 86_400_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _builtin(
    name: str, prop_type: str, field_type: str, options: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "name": name,
        "label": name.replace("_", " ").capitalize(),
        "type": prop_type,
        "fieldType": field_type,
        "groupName": "contactinformation",
        "description": "",
        "options": [
            {"label": v, "value": v, "displayOrder": i, "hidden": False}
            for i, v in enumerate(options)
        ],
        "hubspotDefined": True,
        "hasUniqueValue": name == "email",
    }


def builtin_properties() -> dict[str, dict[str, Any]]:
    """HubSpot's default contact properties the emulator knows."""
    text = ("email", "firstname", "lastname", "company", "jobtitle", "city", "country")
    props = [_builtin(name, "string", "text") for name in text]
    props += [
        _builtin("phone", "string", "phonenumber"),
        _builtin("mobilephone", "string", "phonenumber"),
        _builtin("hs_additional_emails", "enumeration", "checkbox"),
        _builtin("hs_linkedin_url", "string", "text"),
        _builtin("lifecyclestage", "enumeration", "radio", LIFECYCLE_STAGES),
        _builtin("hs_lead_status", "enumeration", "radio", LEAD_STATUSES),
        _builtin("hubspot_owner_id", "number", "number"),
        _builtin("createdate", "datetime", "date"),
        _builtin("lastmodifieddate", "datetime", "date"),
        _builtin("hs_object_id", "number", "number"),
    ]
    return {prop["name"]: prop for prop in props}


class PropertyCatalog:
    """Property definitions and groups, with HubSpot's validation of values.

    Args:
        with_hub_properties: Pre-create the hub's own properties (as if setup had run).
    """

    def __init__(self, *, with_hub_properties: bool) -> None:
        self.properties = builtin_properties()
        self.groups: dict[str, dict[str, Any]] = {
            "contactinformation": {"name": "contactinformation", "label": "Contact information"}
        }
        if with_hub_properties:
            self.groups[HUB_GROUP["name"]] = dict(HUB_GROUP)
            for prop in HUB_PROPERTIES:
                self.properties[prop["name"]] = {"options": [], **prop}

    def _problem(self, name: str, value: str) -> dict[str, Any] | None:
        spec = self.properties.get(name)
        if spec is None:
            return {
                "error": "PROPERTY_DOESNT_EXIST",
                "name": name,
                "message": f'Property "{name}" does not exist',
            }
        if name in READ_ONLY:
            return {
                "error": "READ_ONLY_VALUE",
                "name": name,
                "message": f"{name} is a read only property; its value cannot be set.",
            }
        if value == "":
            return None
        code = self._value_error(spec, value)
        if code is None:
            return None
        # The real API quotes the value in the message; the emulator does not repeat it.
        return {"error": code, "name": name, "message": f"value was not valid for {name}"}

    @staticmethod
    def _value_error(spec: Mapping[str, Any], value: str) -> str | None:
        kind = spec["type"]
        if spec["name"] == "email":
            return None if _EMAIL.match(value) else "INVALID_EMAIL"
        if kind == "enumeration":
            allowed = {opt["value"] for opt in spec.get("options") or []}
            parts = value.split(";") if spec.get("fieldType") == "checkbox" else [value]
            if spec.get("fieldType") == "checkbox" and not allowed:
                return None
            return None if all(p in allowed for p in parts if p) else "INVALID_OPTION"
        if kind == "bool":
            return None if value in {"true", "false"} else "INVALID_BOOLEAN"
        if kind == "number":
            try:
                float(value)
            except ValueError:
                return "INVALID_INTEGER"
            return None
        if kind == "date":
            ok = value.isdigit() and int(value) % DAY_MS == 0
            return None if ok else "INVALID_DATE"
        if kind == "datetime":
            return None if value.isdigit() or _is_iso(value) else "INVALID_DATETIME"
        return None

    def problems(self, properties: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every invalid value, as HubSpot lists them (empty when all are valid)."""
        found = []
        for name, value in properties.items():
            if not isinstance(value, str):
                value = "" if value is None else str(value)
            problem = self._problem(name, value)
            if problem is not None:
                found.append(problem)
        return found


def _is_iso(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
