"""Dependencies shared by routes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.api.state import ServiceState

__all__ = ["Admin", "RowId", "Service", "require_admin", "service"]

_bearer = HTTPBearer(auto_error=False)


def service(request: Request) -> ServiceState:
    """The running service's state."""
    state: ServiceState = request.app.state.hub
    return state


Service = Annotated[ServiceState, Depends(service)]


def require_admin(
    hub: Service,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Accept a request only with one of the configured bearer tokens (constant-time compare)."""
    given = credentials.credentials.encode() if credentials else b""
    # compare against every token, always, so timing says nothing about which one matched
    matched = False
    for token in hub.config.api.admin_tokens:
        matched |= hmac.compare_digest(given, token.get_secret_value().encode())
    if not credentials or not matched:
        raise HTTPException(401, "a valid admin bearer token is required")


Admin = Annotated[None, Depends(require_admin)]


#: A numeric id in a path: the store's ids are 64-bit, so larger numbers are refused (422)
#: rather than overflowing the database driver (500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
