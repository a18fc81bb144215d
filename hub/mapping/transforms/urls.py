"""URL canonicalisation and profile-link classification."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from hub.mapping.registry import TransformValueError

__all__ = ["canonical_url", "link_kind"]

_KINDS = {
    "linkedin.com": "linkedin",
    "github.com": "github",
    "twitter.com": "twitter",
    "x.com": "twitter",
}


def canonical_url(value: str) -> str | None:
    """Canonicalise a URL: ``https://`` when no scheme, lower-case host, no trailing slash/fragment.

    ``linkedin.com/in/Ada/`` → ``https://linkedin.com/in/Ada``. The path keeps its case (some
    sites are case-sensitive).
    """
    text = value.strip()
    if not text:
        return None
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
    host = urlsplit(text if "://" in text else "https://" + text).netloc
    host = host.removeprefix("www.")
    for domain, kind in _KINDS.items():
        if host == domain or host.endswith("." + domain):
            return kind
    return "website"
