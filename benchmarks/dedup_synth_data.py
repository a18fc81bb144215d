"""Seeded generator of HubSpot- and Greenhouse-shaped person records with known duplicates.

Every variation the matcher must see: Gmail dots and +tags, personal vs work email, phones in many
formats, LinkedIn URL variants, nicknames, typos, diacritics, job changes, shared agency inboxes
and common names (Zipf-distributed name pools).
"""

from __future__ import annotations

import random
import string


def _words(text: str, sep: str | None = None) -> list[str]:
    return [w.strip() for w in text.split(sep) if w.strip()]


GIVEN = _words(
    "james robert john michael william david richard joseph thomas charles christopher daniel "
    "matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy "
    "ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin "
    "scott brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry "
    "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty "
    "margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah "
    "stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma "
    "nicole helen samantha katherine christine debra rachel carolyn janet catherine maria "
    "heather priya wei mohammed fatima olga sven ines zoë björn françois josé müge łukasz søren "
    "chloé aarav yuki hiroshi mei ananya diego lucía mateo giulia luca noah liam olivia sofia "
    "amara "
)
FAMILY = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white "
    "harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres "
    "nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts "
    "patel shah kim chen wang li zhang müller schmidt schneider fischer weber meyer wagner "
    "becker o'brien o'connor mcdonald van-der-berg de-vries van-dijk dubois lefèvre garcía- "
    "lópez núñez kowalski nowak johansson andersson nielsen hansen rossi russo ferrari esposito "
    "bianchi tanaka suzuki sato okafor mensah adeyemi kovacs novak horvat popescu ivanova "
    "petrov "
)
COMPANIES = _words(
    "Acme|Globex|Initech|Umbrella|Hooli|Vandelay Industries|Stark Industries|"
    "Wayne Enterprises|Wonka|Cyberdyne Systems|Soylent|Tyrell|Massive Dynamic|"
    "Aperture Science|Black Mesa|Oscorp|Pied Piper|Dunder Mifflin|Prestige Worldwide|"
    "Gringotts|Monarch Solutions|Blue Sun|Nakatomi|Weyland-Yutani|Virtucon|Gekko & Co|"
    "Sirius Cybernetics|Bluth Company|Sterling Cooper|Nordlicht|Helios Analytics|"
    "Quantum Leap Labs|Northwind Traders|Contoso|Fabrikam|Tailspin Toys|Litware|"
    "Adventure Works|Proseware|Wide World Importers|Coho Winery|Lucerne Publishing|"
    "Margie Travel|Alpine Ski House|Fourth Coffee|Trey Research|Woodgrove Bank|"
    "Humongous Insurance|VanArsdel|Relecloud|Datum Corporation|Consolidated Messenger|"
    "Graphic Design Institute|Southridge Video",
    sep="|",
)
SUFFIXES = ["", "", "", " Inc.", " Inc", ", LLC", " Ltd", " GmbH", " Corp.", " B.V.", " S.A."]
FREE_MAIL = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "proton.me",
    "googlemail.com",
]
AGENCY_INBOXES = [
    "submissions@hays.com",
    "cv@randstad.com",
    "jobs@talentbridge.io",
    "candidates@roberthalf.com",
    "recruiting@staffnow.com",
]
NICK = {
    "robert": "bob",
    "william": "bill",
    "elizabeth": "liz",
    "richard": "rick",
    "michael": "mike",
    "james": "jim",
    "christopher": "chris",
    "katherine": "kate",
    "margaret": "maggie",
    "joseph": "joe",
    "thomas": "tom",
    "daniel": "dan",
    "jennifer": "jen",
    "rebecca": "becky",
    "alexander": "alex",
    "samantha": "sam",
    "nicholas": "nick",
    "anthony": "tony",
    "edward": "ed",
    "patricia": "pat",
    "stephen": "steve",
    "timothy": "tim",
    "benjamin": "ben",
    "matthew": "matt",
    "kenneth": "ken",
    "deborah": "debbie",
    "pamela": "pam",
    "susan": "sue",
}
STRIP = str.maketrans("öüéèçñøåłóí", "oueecnoaloi")


SYLLABLES = _words(
    "ka|lo|mi|ran|to|ver|sen|dal|ber|ric|on|ma|tel|gar|son|ley|wick|ham|ford|ton|ski|vic|ez|"
    "ard|el|an|bu|ro|sch|ne|ha|ni|ya|ku|ta|da|mor|lin|ber|stad",
    sep="|",
)
QUALIFIERS = _words(
    "Labs|Systems|Health|Capital|Digital|Robotics|Media|Foods|Logistics|Energy|Bio|Analytics|"
    "Software|Partners|Networks|Retail|Mobility|Security|Cloud|Games|Finance|Education|"
    "Travel|Studios|Materials|Devices|Insurance|Pharma|Consulting|Works",
    sep="|",
)
_COMPANY_WEIGHTS = [1 / (i + 1) ** 0.5 for i in range(len(COMPANIES) * len(QUALIFIERS))]


def _company(rng: random.Random) -> str:
    k = rng.choices(range(len(_COMPANY_WEIGHTS)), _COMPANY_WEIGHTS)[0]
    return f"{COMPANIES[k % len(COMPANIES)]} {QUALIFIERS[k // len(COMPANIES)]}"


def _domain(company: str) -> str:
    return "".join(c for c in company.lower() if c.isalnum())


class _Pools:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[tuple[str, str]] = set()
        self.phones: set[tuple] = set()
        # Flatter than Zipf(1): the top names should be a few percent, as in real populations.
        self.gw = [1 / (i + 1) ** 0.6 for i in range(len(GIVEN))]
        self.fw = [1 / (i + 1) ** 0.6 for i in range(len(FAMILY))]

    def given(self) -> str:
        return self.rng.choices(GIVEN, self.gw)[0]

    def family(self) -> str:
        # Real surname distributions have a very long tail; half come from syllables.
        if self.rng.random() < 0.5:
            parts = self.rng.choices(SYLLABLES, k=self.rng.choice([2, 2, 3]))
            return "".join(parts)
        return self.rng.choices(FAMILY, self.fw)[0].replace("-", " ")


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.choice("sdti")
    if op == "s":
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]
    if op == "d":
        return text[:i] + text[i + 1 :]
    if op == "t":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]


def _phone_formats(rng: random.Random, area: int, mid: int, last: int, country: str) -> str:
    if country == "GB":
        return rng.choice(
            [
                f"+44 20 {mid:04d} {last:04d}",
                f"020 {mid:04d} {last:04d}",
                f"0044 20 {mid:04d}{last:04d}",
                f"+44 (0)20 {mid:04d} {last:04d}",
            ]
        )
    return rng.choice(
        [
            f"+1{area}{mid:03d}{last:04d}",
            f"({area}) {mid:03d}-{last:04d}",
            f"{area}.{mid:03d}.{last:04d}",
            f"+1 {area} {mid:03d} {last:04d}",
            f"1-{area}-{mid:03d}-{last:04d}",
            f"{area}-{mid:03d}-{last:04d} ext. {rng.randint(1, 99)}",
        ]
    )


def _unique_phone(rng: random.Random, pools: _Pools) -> tuple[int, int, int, str]:
    # One number per person, as with email addresses. London numbers are written from the
    # last two parts only, so without this check distinct people would share a number ever
    # more often as the data grows (some 900 pairs at a million records, none at 20,000):
    # the variations must not change with the size of the data.
    while True:
        country = "GB" if rng.random() < 0.2 else "US"
        phone = (rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999), country)
        key = phone[1:] if country == "GB" else phone
        if key not in pools.phones:
            pools.phones.add(key)
            return phone


def make_entity(rng: random.Random, pools: _Pools, eid: int) -> dict:
    given, family = pools.given(), pools.family()
    plain_given, plain_family = given.translate(STRIP), family.translate(STRIP).replace(" ", "")
    plain_family = plain_family.replace("'", "")
    domain = rng.choice(FREE_MAIL)
    local = rng.choice(
        [
            f"{plain_given}.{plain_family}",
            f"{plain_given}{plain_family}",
            f"{plain_given[0]}{plain_family}",
            f"{plain_given}.{plain_family}{eid % 997}",
        ]
    )
    # An address belongs to one person: a taken local part gets a number, as people do.
    # Gmail ignores dots, so "jsmith" and "j.smith" are one account there.
    key = (local.replace(".", ""), "gmail" if "mail.com" in domain and "g" in domain else domain)
    if key in pools.taken or rng.random() < 0.5:
        local = f"{local}{eid}"
        key = (local.replace(".", ""), key[1])
    pools.taken.add(key)
    company = _company(rng)
    phone = _unique_phone(rng, pools)
    return {
        "eid": eid,
        "given": given,
        "family": family,
        "personal": f"{local}@{domain}",
        "company": company,
        "new_company": _company(rng),
        "company_suffix": rng.choice(SUFFIXES),
        "work": f"{plain_given}.{plain_family}{eid}@{_domain(company)}.com",
        "phone": phone,
        "linkedin": f"{plain_given}-{plain_family}-{eid:x}",
        "github": f"{plain_given}{plain_family[:3]}{eid}" if rng.random() < 0.25 else None,
    }


def _email_variant(rng: random.Random, address: str) -> str:
    local, domain = address.split("@")
    if domain in ("gmail.com", "googlemail.com"):
        if rng.random() < 0.3:
            local = local.replace(".", "")
        if rng.random() < 0.2:
            local += rng.choice(["+jobs", "+hubspot", "+2024"])
        if rng.random() < 0.1:
            domain = "googlemail.com" if domain == "gmail.com" else "gmail.com"
    address = f"{local}@{domain}"
    return (
        address.upper()
        if rng.random() < 0.05
        else address.title()
        if rng.random() < 0.1
        else address
    )


def _linkedin_variant(rng: random.Random, slug: str) -> str:
    host = rng.choice(["www.linkedin.com", "linkedin.com", "uk.linkedin.com", "m.linkedin.com"])
    scheme = rng.choice(["https://", "http://", ""])
    tail = rng.choice(["", "/", "/?trk=profile", "/en", "#experience"])
    return f"{scheme}{host}/in/{slug if rng.random() < 0.8 else slug.title()}{tail}"


def make_record(rng: random.Random, e: dict, source: str) -> dict:
    """One vendor-shaped record of entity ``e`` (HubSpot contact or Greenhouse candidate)."""
    given = e["given"]
    if given in NICK and rng.random() < 0.3:
        given = NICK[given]
    family = e["family"]
    if rng.random() < 0.1:
        given = given.translate(STRIP)
        family = family.translate(STRIP)
    if rng.random() < 0.05:
        given = _typo(rng, given)
    elif rng.random() < 0.05:
        family = _typo(rng, family)
    if rng.random() < 0.05 and " " in family:
        family = family.split()[-1]
    given, family = (given.title(), family.title()) if rng.random() < 0.8 else (given, family)
    job_change = rng.random() < 0.15
    company = e["new_company"] if job_change else e["company"] + rng.choice(SUFFIXES)
    emails = []
    if rng.random() < 0.55:
        emails.append(_email_variant(rng, e["personal"]))
    if rng.random() < 0.5:
        work = e["work"] if not job_change else f"{e['given'][0]}{e['eid']}@{_domain(company)}.io"
        emails.append(_email_variant(rng, work))
    if rng.random() < 0.03:
        emails = [rng.choice(AGENCY_INBOXES)]
    area, mid, last, country = e["phone"]
    phone = _phone_formats(rng, area, mid, last, country) if rng.random() < 0.45 else ""
    linkedin = _linkedin_variant(rng, e["linkedin"]) if rng.random() < 0.4 else ""
    github = f"https://github.com/{e['github']}" if e["github"] and rng.random() < 0.5 else ""
    if source == "hubspot":
        return {
            "properties": {
                "firstname": given,
                "lastname": family,
                "email": emails[0] if emails else "",
                "work_email": ";".join(emails[1:]),
                "phone": phone,
                "company": company,
                "hs_linkedin_url": linkedin,
                "github": github,
            }
        }
    return {
        "first_name": given,
        "last_name": family,
        "company": company,
        "email_addresses": [{"value": v, "type": "personal"} for v in emails],
        "phone_numbers": [{"value": phone, "type": "mobile"}] if phone else [],
        "social_media_addresses": [{"value": v} for v in (linkedin, github) if v],
    }


def flatten(record: dict, source: str) -> dict[str, list[str]]:
    """What the mapping layer would produce: field name → raw values."""
    if source == "hubspot":
        p = record["properties"]
        return {
            "email": [p["email"], *p["work_email"].split(";")],
            "phone": [p["phone"]],
            "linkedin": [p["hs_linkedin_url"]],
            "github": [p["github"]],
            "given_name": [p["firstname"]],
            "family_name": [p["lastname"]],
            "company": [p["company"]],
        }
    social = [s["value"] for s in record["social_media_addresses"]]
    return {
        "email": [e["value"] for e in record["email_addresses"]],
        "phone": [p["value"] for p in record["phone_numbers"]],
        "linkedin": [s for s in social if "linkedin" in s],
        "github": [s for s in social if "github" in s],
        "given_name": [record["first_name"]],
        "family_name": [record["last_name"]],
        "company": [record["company"]],
    }


def generate(n_records: int, *, seed: int = 7):
    """Yield ``(record id, fields, source, entity id)`` until ``n_records`` records exist."""
    rng = random.Random(seed)
    pools = _Pools(rng)
    made, eid = 0, 0
    while made < n_records:
        entity = make_entity(rng, pools, eid)
        copies = rng.choices([1, 2, 3, 4], [0.55, 0.3, 0.1, 0.05])[0]
        for c in range(min(copies, n_records - made)):
            source = rng.choice(["hubspot", "greenhouse"])
            fields = flatten(make_record(rng, entity, source), source)
            yield f"{source[0]}{eid}-{c}", fields, source, eid
            made += 1
        eid += 1
