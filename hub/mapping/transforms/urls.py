"""URL canonicalisation and profile-link classification."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from hub.mapping.registry import TransformValueError

__all__ = ["canonical_url", "link_kind"]

_KINDS = {
    "linkedin.com": "linkedin",
    "github.com": "github",
    "twitter.com": "twitter",
    "x.com": "twitter",
}
# The usual profile URL: http(s) or no scheme, a plain host, a plain path and query. For these
# urlsplit/urlunsplit (about 5 µs) would give back exactly these pieces, so they are skipped;
# anything else (ports, user info, fragments, odd characters) takes the general path.
# tests/mapping check both paths agree.
_PLAIN_URL = re.compile(
    r"(?:((?i:https?))://)?([A-Za-z0-9.\-]+)(/[A-Za-z0-9._~%/\-]*)?(?:\?([A-Za-z0-9._~%=&+\-]*))?"
)


def canonical_url(value: str) -> str | None:
    """Canonicalise a URL: ``https://`` when no scheme, lower-case host, no trailing slash/fragment.

    ``linkedin.com/in/Ada/`` → ``https://linkedin.com/in/Ada``. The path keeps its case (some
    sites are case-sensitive).
    """
    text = value.strip()
    if not text:
        return None
    plain = _PLAIN_URL.fullmatch(text)
    if plain is not None:
        scheme, host, path, query = plain.groups()
        url = f"{(scheme or 'https').lower()}://{host.lower()}{(path or '').rstrip('/')}"
        return f"{url}?{query}" if query else url
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if not parts.netloc or " " in parts.netloc:
        raise TransformValueError("not a URL")
    host = parts.netloc.lower()
    for default_port in (":80", ":443"):
        host = host.removesuffix(default_port)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, ""))


def link_kind(value: str) -> str:
    """Classify a profile URL: ``linkedin``, ``github``, ``twitter`` or ``website``."""
    text = value.strip().lower()
    plain = _PLAIN_URL.fullmatch(text)
    if plain is not None:
        host = plain[2]
    else:
        host = urlsplit(text if "://" in text else "https://" + text).netloc
    host = host.removeprefix("www.")
    for domain, kind in _KINDS.items():
        if host == domain or host.endswith("." + domain):
            return kind
    return "website"
