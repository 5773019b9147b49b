"""Routing a complaint to an agency: precedence, defaults, fallback and the table's checks."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ingest.routing import (
    DEFAULTED,
    FALLBACK,
    MATCHED_PROVINCE,
    MATCHED_REGION,
    OUTSIDE,
    Route,
    RoutingError,
    category_codes,
    load_routing,
    route,
)

SHIPPED = load_routing()


@pytest.mark.parametrize(
    ("category", "region", "agency", "confidence"),
    [
        ("infrastruktur", "13.71.03", "dpupr-padang", MATCHED_REGION),  # city beats province
        ("infrastruktur", "13.71", "dpupr-padang", MATCHED_REGION),
        ("infrastruktur", "13.02", "dpupr-sumbar", MATCHED_PROVINCE),  # no agency of its own
        ("infrastruktur", "13", "dpupr-sumbar", MATCHED_PROVINCE),
        ("pemerintahan", "13.71.03", "camat-padang-barat", MATCHED_REGION),  # kecamatan beats all
        ("pemerintahan", "13.71.04", "biropem-sumbar", MATCHED_PROVINCE),
        ("kesehatan", "13.71", "dinkes-sumbar", MATCHED_PROVINCE),
        ("utilitas", "13.71.05", "perumda-air-padang", MATCHED_REGION),
        ("utilitas", "13.06", "esdm-sumbar", MATCHED_PROVINCE),
        ("lainnya", "13.71", "diskominfotik-sumbar", MATCHED_PROVINCE),
        ("infrastruktur", None, "dpupr-sumbar", DEFAULTED),
        ("bencana", None, "bpbd-sumbar", DEFAULTED),
        ("infrastruktur", "35.78", "dpupr-sumbar", OUTSIDE),  # another province: the default
        ("kependudukan", "31.74.01", "dukcapil-sumbar", OUTSIDE),
        ("no-such-category", "13.71", "diskominfotik-sumbar", FALLBACK),
    ],
)
def test_shipped_routes(category, region, agency, confidence):
    chosen = route(category, region, SHIPPED)
    assert (chosen.agency_id, chosen.confidence) == (agency, confidence)
    assert chosen.agency_name == SHIPPED.agency(agency).name
    assert chosen.reason


@pytest.mark.parametrize(
    ("category", "region", "reason"),
    [
        (
            "infrastruktur",
            "13.71.03",
            "dpupr-padang handles infrastruktur in 13.71 (Kota Padang), which covers 13.71.03",
        ),
        ("pemerintahan", "13.71.03", "camat-padang-barat handles pemerintahan in 13.71.03 (Padang Barat)"),
        ("infrastruktur", None, "no region known: default agency for infrastruktur"),
        ("infrastruktur", "35.78", "region 35.78 is outside the table's province 13: default agency for infrastruktur"),
        ("no-such-category", "13", "category 'no-such-category' is not in the table: fallback agency"),
    ],
)
def test_reasons(category, region, reason):
    assert route(category, region, SHIPPED).reason == reason


def test_route_is_frozen():
    chosen = route("kesehatan", "13", SHIPPED)
    assert isinstance(chosen, Route)
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.agency_id = "other"  # type: ignore[misc]


def test_shipped_table_covers_every_category():
    assert set(SHIPPED.defaults) == category_codes()
    assert len(category_codes()) == 16
    handled = set().union(*(agency.categories for agency in SHIPPED.agencies))
    assert handled == category_codes()
    assert SHIPPED.province == "13"
    assert SHIPPED.defaults["lainnya"] == SHIPPED.fallback == "diskominfotik-sumbar"


def test_shipped_contacts_are_placeholders():
    for agency in SHIPPED.agencies:
        values = [v for v in dataclasses.astuple(agency.contact) if v]
        assert values, agency.id
        for value in values:
            host = re.sub(r"^(https?://|[^@]+@)", "", value).split("/")[0]
            assert host.endswith((".example.go.id", ".invalid")), value


# A small valid table; the broken tables below change one thing each.
CATEGORIES = sorted(category_codes())
DEFAULTS = "\n".join(f'{code} = "admin"' for code in CATEGORIES if code != "infrastruktur")
VALID = f"""
province = "13"
fallback = "admin"

[defaults]
infrastruktur = "pu-padang"
{DEFAULTS}

[[agencies]]
id = "admin"
name = "Admin LAPOR!"
categories = ["lainnya"]
regions = []
[agencies.contact]
email = "admin@lapor.example.go.id"

[[agencies]]
id = "pu-padang"
name = "Dinas PU Kota Padang"
categories = ["infrastruktur"]
regions = ["13.71"]
[agencies.contact]
webhook = "https://pu.padang.invalid/hook"

[[agencies]]
id = "camat-pauh"
name = "Kantor Camat Pauh"
categories = ["infrastruktur", "pemerintahan"]
regions = ["13.71.08"]
[agencies.contact]
open311 = "https://open311.padang.invalid/v2"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("category", "region", "agency", "why"),
    [
        ("infrastruktur", "13.71.08", "camat-pauh", "handles infrastruktur in 13.71.08"),
        ("infrastruktur", "13.71.01", "pu-padang", "handles infrastruktur in 13.71 "),
        ("infrastruktur", "13.02", "pu-padang", "no agency handles infrastruktur in 13.02: default"),
        ("pemerintahan", "13.71.08", "camat-pauh", "handles pemerintahan"),
        ("pemerintahan", "13.71.01", "admin", "no agency handles pemerintahan in 13.71.01: default"),
        ("lainnya", "13.02", "admin", "handles lainnya in 13 "),
        ("kesehatan", "12.71", "admin", "outside the table's province 13"),
    ],
)
def test_precedence_defaults_and_fallback_on_a_custom_table(tmp_path, category, region, agency, why):
    chosen = route(category, region, load_routing(write(tmp_path, VALID)))
    assert chosen.agency_id == agency
    assert why in chosen.reason


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('province = "13"', "province = ", "not valid TOML"),
        ('province = "13"', 'province = "13.71"', "province: '13.71' is not a province code"),
        ('province = "13"', 'province = "99"', "province: '99' is not a province code"),
        ('fallback = "admin"', 'fallback = "nobody"', "fallback: 'nobody' is not the id of an agency"),
        ('fallback = "admin"', 'fallback = "admin"\nowner = "me"', "unknown top-level key 'owner'"),
        (
            'categories = ["lainnya"]',
            'categories = ["roads"]',
            "agency 'admin': categories: unknown category code 'roads'",
        ),
        ('categories = ["lainnya"]', "categories = []", "agency 'admin': categories: expected at least one"),
        ('regions = ["13.71"]', 'regions = ["13.99"]', "agency 'pu-padang': regions: unknown region code '13.99'"),
        (
            'regions = ["13.71"]',
            'regions = ["35.78"]',
            "agency 'pu-padang': regions: '35.78' lies outside the table's province '13'",
        ),
        ('regions = ["13.71"]', 'regions = "13.71"', "agency 'pu-padang': regions: expected a list of strings"),
        (
            'regions = ["13.71.08"]',
            'regions = ["13.71"]',
            "agency 'camat-pauh': regions: 'pu-padang' already handles infrastruktur in 13.71",
        ),
        ('id = "camat-pauh"', 'id = "pu-padang"', "agency 'pu-padang': duplicate id"),
        ('id = "camat-pauh"', 'id = "Camat Pauh"', "agency #3: id: expected a slug"),
        ('name = "Kantor Camat Pauh"', 'name = ""', "agency 'camat-pauh': name: expected"),
        (
            'name = "Kantor Camat Pauh"',
            'name = "Kantor Camat Pauh"\nphone = "1"',
            "agency 'camat-pauh': unknown field 'phone'",
        ),
        (
            'email = "admin@lapor.example.go.id"',
            'email = "admin at lapor"',
            "agency 'admin': contact.email: 'admin at lapor' is not a valid address",
        ),
        (
            'webhook = "https://pu.padang.invalid/hook"',
            'webhook = "pu.padang.invalid"',
            "agency 'pu-padang': contact.webhook: 'pu.padang.invalid' is not a valid URL",
        ),
        (
            'open311 = "https://open311.padang.invalid/v2"',
            'fax = "0751"',
            "agency 'camat-pauh': contact: unknown field 'fax'",
        ),
        (
            '[agencies.contact]\nopen311 = "https://open311.padang.invalid/v2"',
            "",
            "agency 'camat-pauh': contact: expected a [agencies.contact] table",
        ),
        (
            'open311 = "https://open311.padang.invalid/v2"',
            "",
            "agency 'camat-pauh': contact: expected at least one of email, webhook, open311",
        ),
        (
            'infrastruktur = "pu-padang"',
            'infrastruktur = "nobody"',
            "defaults: infrastruktur points to unknown agency 'nobody'",
        ),
        ('infrastruktur = "pu-padang"', "", "defaults: category 'infrastruktur' has no default agency"),
        (
            'infrastruktur = "pu-padang"',
            'infrastruktur = "pu-padang"\nroads = "admin"',
            "defaults: unknown category code 'roads'",
        ),
        ("[defaults]", "[defaults_]", "unknown top-level key 'defaults_'"),
    ],
)
def test_broken_tables_raise_one_line_errors(tmp_path, old, new, message):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(RoutingError) as caught:
        load_routing(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_is_a_routing_error(tmp_path):
    with pytest.raises(RoutingError, match="cannot read the routing table"):
        load_routing(tmp_path / "nope.toml")


def test_table_without_agencies_is_refused(tmp_path):
    text = VALID.split("[[agencies]]")[0]
    with pytest.raises(RoutingError, match="agencies: expected one or more"):
        load_routing(write(tmp_path, text))


def test_routing_error_is_a_value_error():
    assert issubclass(RoutingError, ValueError)
