"""References from the hub to records in vendor systems."""

from __future__ import annotations

from hub.models.base import CanonicalModel


class ExternalRef(CanonicalModel):
    """Identifies one record in one configured connection.

    Attributes:
        connection: The connection's name from the config (``greenhouse``, ``hubspot-eu``).
        object_type: The connector's object type (``candidate``, ``contact``).
        external_id: The vendor's id, as a string.
    """

    connection: str
    object_type: str
    external_id: str

    def __str__(self) -> str:
        """Render as ``connection/object_type/external_id``."""
        return f"{self.connection}/{self.object_type}/{self.external_id}"
