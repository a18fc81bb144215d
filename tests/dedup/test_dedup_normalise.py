from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.dedup.normalise import (
    WEAK_MARK,
    normalise_company,
    normalise_email,
    normalise_family_name,
    normalise_github,
    normalise_given_name,
    normalise_linkedin,
    normalise_phone,
    parse_phone,
)

W = WEAK_MARK


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  jane.doe@example.com  ", "jane.doe@example.com"),
        ("mailto:<jane@example.com>", "jane@example.com"),
        ("\uff4a\uff41\uff4e\uff45@example.com", "jane@example.com"),  # full-width letters
        ("J.Doe+jobs@GoogleMail.com", "jdoe@gmail.com"),
        ("j.d.o.e@gmail.com", "jdoe@gmail.com"),
        ("jane.doe+news@outlook.com", "jane.doe+news@outlook.com"),  # tags folded for Gmail only
        ("jane.doe@example.com.", "jane.doe@example.com"),
        ("jobs@acme.com", W + "jobs@acme.com"),
        ("Careers@acme.com", W + "careers@acme.com"),
        ("info@acme.com", W + "info@acme.com"),
        ("hr@acme.com", W + "hr@acme.com"),
        ("recruiting@acme.com", W + "recruiting@acme.com"),
        ("anna.smith@hays.com", W + "anna.smith@hays.com"),  # agency domain
    ],
)
def test_email_normal_forms(raw, expected):
    assert normalise_email(raw) == (expected,)


@pytest.mark.parametrize(
    "raw", ["", "not an email", "@example.com", "jane@", "ja ne@x.com", "+@gmail.com"]
)
def test_unusable_emails_normalise_to_nothing(raw):
    assert normalise_email(raw) == ()


def test_configured_agency_domain_is_weak():
    assert normalise_email("a@staffing.example", agency_domains={"staffing.example"}) == (
        W + "a@staffing.example",
    )


@pytest.mark.parametrize(
    ("raw", "region", "e164", "extension"),
    [
        ("(415) 555-0132", "US", "+14155550132", None),
        ("415.555.0132", "US", "+14155550132", None),
        ("+1 415 555 0132", "US", "+14155550132", None),
        ("1-415-555-0132", "US", "+14155550132", None),
        ("(415) 555-0132 ext. 12", "US", "+14155550132", "12"),
        ("+1-415-555-0132x7", "US", "+14155550132", "7"),
        ("+44 (0)20 7946 0958", "US", "+442079460958", None),
        ("0044 20 7946 0958", "US", "+442079460958", None),
        ("020 7946 0958", "GB", "+442079460958", None),
        ("030 1234567", "DE", "+49301234567", None),
        ("\uff14\uff11\uff15-555-0132", "US", "+14155550132", None),  # full-width digits
    ],
)
def test_phone_to_e164_with_extension_apart(raw, region, e164, extension):
    parsed = parse_phone(raw, region=region)
    assert parsed is not None
    assert (parsed.e164, parsed.extension) == (e164, extension)
    assert normalise_phone(raw, region=region) == (e164,)


@pytest.mark.parametrize("raw", ["12", "n/a", "call me", "020 7946 0958"])
def test_unusable_phones_normalise_to_nothing(raw):
    assert normalise_phone(raw, region="US") == ()


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/jane-doe-123",
        "http://linkedin.com/in/jane-doe-123/",
        "linkedin.com/in/Jane-Doe-123",
        "https://uk.linkedin.com/in/jane-doe-123/",
        "https://m.linkedin.com/in/jane-doe-123?trk=public_profile",
        "www.linkedin.com/in/jane-doe-123#experience",
        "https://de.linkedin.com/in/jane-doe-123/de",
        "HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE-123",
    ],
)
def test_linkedin_variants_share_one_form(raw):
    assert normalise_linkedin(raw) == ("linkedin.com/in/jane-doe-123",)


def test_linkedin_pub_url_becomes_in_url():
    assert normalise_linkedin("uk.linkedin.com/pub/jane-doe/1a/2b3/4c5") == (
        "linkedin.com/in/jane-doe-4c52b31a",
    )


@pytest.mark.parametrize(
    "raw", ["https://www.linkedin.com/company/acme", "https://example.com/in/jane", "linkedin.com"]
)
def test_non_profile_linkedin_urls_are_ignored(raw):
    assert normalise_linkedin(raw) == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://github.com/Octocat", ("github.com/octocat",)),
        ("http://www.github.com/octocat/hello-world/", ("github.com/octocat",)),
        ("github.com/octocat?tab=repositories", ("github.com/octocat",)),
        ("https://github.com/orgs/acme", ()),
        ("https://gitlab.com/octocat", ()),
    ],
)
def test_github_urls(raw, expected):
    assert normalise_github(raw) == expected


@pytest.mark.parametrize(
    ("raw", "first"),
    [
        ("Zoë", "zoe"),
        ("  JOSÉ ", "jose"),
        ("Dr. Robert", "robert"),
        ("Jean-Luc", "jeanluc"),
        ("Łukasz", "lukasz"),
    ],
)
def test_given_name_folding(raw, first):
    assert normalise_given_name(raw)[0] == first


@pytest.mark.parametrize(
    ("nickname", "formal"),
    [
        ("Bob", "robert"),
        ("Bill", "william"),
        ("Liz", "elizabeth"),
        ("Peggy", "margaret"),
        ("Chris", "christopher"),
    ],
)
def test_nicknames_carry_their_formal_names(nickname, formal):
    assert formal in normalise_given_name(nickname)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("van der Berg", "berg"),
        ("Berg", "berg"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),  # typographic apostrophe
        ("García-López", "garcialopez"),
        ("Smith Jr.", "smith"),
        ("de la Cruz", "cruz"),
        ("Müller", "muller"),
        ("Ørsted", "orsted"),
        ("von", "von"),  # a particle alone is the name
    ],
)
def test_family_name_forms(raw, expected):
    assert normalise_family_name(raw) == (expected,)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Acme Co., Inc.", "acme"),
        ("Acme, LLC", "acme"),
        ("ACME Ltd", "acme"),
        ("Siemens AG", "siemens"),
        ("Nestlé S.A.", "nestle"),
        ("Philips B.V.", "philips"),
        ("Zalando SE", "zalando"),
        ("Ernst & Young", "ernst and young"),
        ("Limited", "limited"),  # a suffix alone is kept
    ],
)
def test_company_forms(raw, expected):
    assert normalise_company(raw) == (expected,)


@given(st.text())
def test_normalisers_never_raise_and_are_stable(text):
    for normalise in (normalise_email, normalise_linkedin, normalise_github, normalise_company):
        out = normalise(text)
        assert isinstance(out, tuple)
    assert all(normalise_family_name(v) == (v,) for v in normalise_family_name(text) if v.isalnum())


@given(
    area=st.integers(200, 999),
    exchange=st.integers(200, 999),
    line=st.integers(0, 9999),
    style=st.sampled_from(
        ["({a}) {e}-{l}", "{a}.{e}.{l}", "+1 {a} {e} {l}", "1-{a}-{e}-{l}", "{a}{e}{l}"]
    ),
)
def test_north_american_fast_path_agrees_with_phonenumbers(area, exchange, line, style):
    import phonenumbers

    raw = style.format(a=area, e=exchange, l=f"{line:04d}")
    expected = phonenumbers.format_number(
        phonenumbers.parse(raw, "US"), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalise_phone(raw, region="US") == (expected,)
