"""LinkedIn and GitHub profile URLs to one canonical form."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
# The common shape of a profile URL, read without urlsplit (a third of the cost of normalising
# a record); anything else takes the general path below.
_PLAIN_LINKEDIN = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/in/([a-z0-9_-]+)(?:[/?#]|$)", re.IGNORECASE
)
# Paths under github.com that are not user or organisation accounts.
_GITHUB_RESERVED = frozenset(
    {"about", "features", "orgs", "settings", "marketplace", "pricing", "topics", "search",
     "sponsors", "login", "join", "explore", "notifications", "apps", "collections", "site"}
)  # fmt: skip


def _split(raw: str) -> tuple[str, list[str]] | None:
    """Lower-case host (without ``www.``/``m.``/country prefixes) and path segments."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    if not _SCHEME.match(text.lower()):
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    return host, segments


def _registered(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def normalise_linkedin(raw: str) -> tuple[str, ...]:
    """Canonicalise a LinkedIn member profile URL to ``linkedin.com/in/<slug>``.

    Country and mobile subdomains, scheme, ``www.``, case, trailing slashes, query strings,
    fragments and locale suffixes (``/in/jane/de``) are dropped. Old ``/pub/<name>/<a>/<b>/<c>``
    URLs are rewritten to the ``/in/<name>-<c><b><a>`` form LinkedIn redirects them to.

    Args:
        raw: The URL as stored (``"uk.linkedin.com/pub/jane-doe/1a/2b3/4c5?trk=x"``).

    Returns:
        ``("linkedin.com/in/<slug>",)``, or ``()`` if not a member profile URL.
    """
    if raw.isascii() and (plain := _PLAIN_LINKEDIN.match(raw.strip())):
        return (f"linkedin.com/in/{plain[1].lower()}",)
    split = _split(raw)
    if split is None:
        return ()
    host, segments = split
    if not _registered(host, "linkedin.com") or len(segments) < 2:
        return ()
    kind, slug = segments[0].lower(), segments[1].lower().strip()
    if kind == "in" and slug:
        return (f"linkedin.com/in/{slug}",)
    if kind == "pub" and slug:
        ids = [s.lower() for s in segments[2:5]]
        if len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{1,3}", s) for s in ids):
            first, second, third = ids
            return (f"linkedin.com/in/{slug}-{third.zfill(3)}{second.zfill(3)}{first}",)
        return (f"linkedin.com/in/{slug}",)
    return ()


def normalise_github(raw: str) -> tuple[str, ...]:
    """Canonicalise a GitHub profile (or repository) URL to ``github.com/<login>``.

    Args:
        raw: The URL as stored (``"http://www.GitHub.com/Octocat/hello-world/"``).

    Returns:
        ``("github.com/<login>",)``, or ``()`` if not a GitHub account URL.
    """
    split = _split(raw)
    if split is None:
        return ()
    host, segments = split
    if not _registered(host, "github.com") or not segments:
        return ()
    login = segments[0].lower()
    if login in _GITHUB_RESERVED or not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,38})", login):
        return ()
    return (f"github.com/{login}",)
