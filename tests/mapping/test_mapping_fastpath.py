"""The compiled fast path gives exactly what a plain interpreter of the same rules gives.

Same canonical model, same payload (key order included), same issues in the same order, on the
shipped mappings and on one that uses every rule shape; and the transforms' shortcuts (US phone
numbers, plain URLs) agree with the libraries they skip.
"""

from __future__ import annotations

import textwrap
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.mapping.engine import MappingResult
from hub.mapping.registry import TransformValueError
from hub.mapping.transforms.phone import phone_e164
from hub.mapping.transforms.urls import canonical_url, link_kind
from tests.mapping import reference_engine as reference
from tests.mapping.test_mapping_property import CASES, json_values

phones = st.builds(
    lambda prefix, area, gap1, exchange, gap2, line, pad: (
        f"{pad}{prefix}{area}{gap1}{exchange}{gap2}{line}{pad}"
    ),
    st.sampled_from(["", "+1", "+1 ", "1 ", "+44 ", "+", "00"]),
    st.from_regex(r"\(?[0-9]{3}\)?", fullmatch=True),
    st.sampled_from(["", " ", "-", ".", ") "]),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
    st.sampled_from(["", " ", "-", ".", "/"]),
    st.from_regex(r"[0-9]{3,5}", fullmatch=True),
    st.sampled_from(["", " "]),
)
URL_PIECES = "http:// https:// HTTP:// www. linkedin.com x.com Example.COM / // ? a=1 & #top :443"
URL_PIECES += " :80 in/Ada . - user@ %20 ~ [::1] é"
urls = st.lists(st.sampled_from([*URL_PIECES.split(), " ", "\t"]), max_size=7).map(
    "".join
) | st.text(alphabet="aZ09.-/?=&+%~_:#@ ", max_size=16)
realistic = st.fixed_dictionaries(
    {
        "id": st.integers(1, 10**9),
        "properties": st.fixed_dictionaries(
            {
                "firstname": st.text(max_size=8),
                "email": st.emails(),
                "hs_additional_emails": st.lists(st.emails(), max_size=3).map(";".join),
                "phone": phones,
                "mobilephone": phones | st.none(),
                "linkedin_url": urls,
                "website": urls,
                "candidate_tags": st.text(alphabet="ab; ", max_size=8),
                "hs_email_optout": st.sampled_from(["true", "false", "", "maybe"]),
                "candidate_status": st.sampled_from(["prospect", "hired", "HIRED", "x", ""]),
            }
        ),
        "phone_numbers": st.lists(st.fixed_dictionaries({"value": phones, "type": json_values})),
        "social_media_addresses": st.lists(st.fixed_dictionaries({"value": urls})),
        "website_addresses": st.lists(st.fixed_dictionaries({"value": urls, "type": json_values})),
        "email_addresses": st.lists(
            st.fixed_dictionaries({"value": st.emails() | json_values, "type": json_values})
        ),
    }
)

EVERY_SHAPE = """\
connector: hubspot
object_type: contact
canonical: person
tables:
  status: {values: {prospect: prospect, Hired: hired}, default: null}
inbound:
  - {to: given_name, from: properties.firstname, transforms: [strip, title]}
  - {to: family_name, from: properties.lastname}
  - {to: company, from: "properties.jobs[0].company", transforms: [strip]}
  - {to: title, from: "properties.jobs[*].title", transforms: [{join: " / "}]}
  - {to: location, from: "properties.jobs[1:].city"}
  - to: emails[]
    from: "properties.emails[type=work|home]"
    fields:
      address: {from: value, transforms: [strip, lower]}
      primary: {from: primary, transforms: [to_bool]}
      type: {value: work}
  - to: emails[]
    from: properties.email
    when: {path: properties.email_ok, equals: "yes"}
    fields: {address: {}, primary: {value: true}}
  - to: phones[]
    from: "properties.phones[*]"
    transforms: [split]
    fields: {number: {transforms: [strip]}}
  - to: links[]
    from: properties.nested.links
    fields: {url: {from: a.city}, kind: {value: website}}
  - {to: tags, from: properties.tags, transforms: [split]}
  - {to: source, template: "{properties.firstname} {properties.lastname}"}
  - {to: referrer, from: properties.ref, transforms: [{default: {fallback: nobody}}]}
  - {to: consent.email_opt_out, from: properties.optout, transforms: [to_bool, not]}
  - to: custom.flag
    from: properties.flag
    when: {path: properties.flag_on, present: true}
    transforms: [to_int]
  - {to: custom.deep, from: properties.a.b.c}
  - {to: custom.second_title, from: "properties.jobs[1].title"}
  - {to: custom.first_tag, from: "properties.taglist[*]", transforms: [first, to_string]}
  - {to: relationship_status, from: properties.status, transforms: [{map: status}]}
  - {to: custom.id, from: id, transforms: [to_string]}
outbound:
  - {to: properties.firstname, from: given_name}
  - {to: properties.email, from: "emails[primary=true].address"}
  - {to: properties.more, from: "emails[primary=false].address", transforms: [{join: ";"}]}
  - {to: properties.tags, from: tags, transforms: [{join: ";"}]}
  - to: "properties.phones[]"
    from: "phones[*]"
    fields: {value: {from: number}, kind: {from: type, transforms: [upper]}}
  - {to: properties.flag, from: custom.flag, transforms: [to_string]}
  - {to: properties.status, from: relationship_status, transforms: [{map: status}]}
"""

texts = st.text(max_size=6)
loose = texts | json_values
job = st.dictionaries(st.sampled_from(["company", "title", "city"]), loose, max_size=3)
shaped = st.fixed_dictionaries(
    {"id": json_values},
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "firstname": loose,
                "lastname": loose,
                "jobs": st.lists(job, max_size=3) | st.lists(loose, max_size=3) | json_values,
                "emails": st.lists(
                    st.fixed_dictionaries(
                        {"type": st.sampled_from(["work", "home", "x"]) | json_values},
                        optional={"value": loose, "primary": loose},
                    )
                    | json_values,
                    max_size=3,
                ),
                "email": json_values,
                "email_ok": st.sampled_from(["yes", "no"]) | json_values,
                "phones": st.lists(loose, max_size=3) | json_values,
                "nested": st.fixed_dictionaries(
                    {"links": json_values | st.fixed_dictionaries({"a": loose | job})}
                ),
                "tags": json_values,
                "ref": json_values,
                "optout": st.sampled_from(["true", "no", "1"]) | json_values,
                "flag": json_values,
                "flag_on": json_values,
                "a": json_values,
                "taglist": st.lists(loose, max_size=3) | json_values,
                "status": st.sampled_from(["prospect", "hired", "HIRED"]) | json_values,
            },
        )
        | json_values
    },
)


def same(fast: MappingResult[Any], slow: MappingResult[Any]) -> None:
    """Byte for byte: the model, the payload with its key order, the issues in order."""
    fast_value = None if fast.value is None else repr(fast.value.model_dump())
    slow_value = None if slow.value is None else repr(slow.value.model_dump())
    assert fast_value == slow_value
    assert repr(fast.payload) == repr(slow.payload)
    assert fast.issues == slow.issues


def check_both_ways(mapping: Any, record: Any) -> None:
    fast = mapping.to_canonical(record)
    same(fast, reference.to_canonical(mapping, record))
    if fast.value is not None:
        same(mapping.to_vendor(fast.value), reference.to_vendor(mapping, fast.value))
    if isinstance(record, dict):
        same(mapping.to_vendor(record), reference.to_vendor(mapping, record))


@pytest.mark.parametrize("name", sorted(CASES))
def test_shipped_mappings_match_the_plain_interpreter(shipped, name):
    mapping = shipped(name).mapping

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CASES[name] | realistic)
    def check(record: dict[str, Any]) -> None:
        check_both_ways(mapping, record)

    check()


def test_every_rule_shape_matches_the_plain_interpreter(make_mapping):
    mapping = make_mapping(textwrap.dedent(EVERY_SHAPE), vendor_models={}).mapping

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shaped | json_values)
    def check(record: Any) -> None:
        check_both_ways(mapping, record)

    check()


def reference_phone(value: str, region: str) -> str | None:
    """phone_e164 without its shortcuts: always through phonenumbers."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


@settings(max_examples=1000, deadline=None)
@given(phones, st.sampled_from(["US", "us", "GB", "CA"]))
def test_us_phone_shortcut_agrees_with_phonenumbers(value, region):
    if value.strip().startswith("+") and value.strip()[1:].isdigit():
        return  # already E.164: kept as given, before any shortcut
    assert phone_e164(value, region=region) == reference_phone(value, region)


def outcome(func: Any, value: str) -> tuple[Any, ...]:
    try:
        return ("ok", func(value))
    except TransformValueError as exc:
        return ("error", str(exc))


def reference_canonical_url(value: str) -> str | None:
    from urllib.parse import urlsplit, urlunsplit

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
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), parts.query, ""))


def reference_link_kind(value: str) -> str:
    from urllib.parse import urlsplit

    text = value.strip().lower()
    host = urlsplit(text if "://" in text else "https://" + text).netloc.removeprefix("www.")
    for domain, kind in {"linkedin.com": "linkedin", "github.com": "github"}.items():
        if host == domain or host.endswith("." + domain):
            return kind
    if host in ("twitter.com", "x.com") or host.endswith((".twitter.com", ".x.com")):
        return "twitter"
    return "website"


@settings(max_examples=1000, deadline=None)
@given(urls)
def test_plain_url_shortcut_agrees_with_urlsplit(value):
    assert outcome(canonical_url, value) == outcome(reference_canonical_url, value)
    assert link_kind(value) == reference_link_kind(value)
