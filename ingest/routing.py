"""Decide which agency must act on a complaint, from an operator-edited routing table.

The table lives in `rules/agencies.toml` (its header documents the format). `load_routing`
reads and checks it once; `route` is pure: the agency that handles the category in the most
specific region covering the complaint wins (kecamatan > kabupaten/kota > province), then the
category's default agency, then the table's fallback agency.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ingest.gazetteer import PROVINCE, Gazetteer, load_gazetteer

SHIPPED = "rules/agencies.toml"
CONTACT_KEYS = ("email", "webhook", "open311")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")

# How directly the table names the case: an agency for this very region, one for the whole
# province, the category's default, a region outside the province, nothing at all.
MATCHED_REGION, MATCHED_PROVINCE, DEFAULTED, OUTSIDE, FALLBACK = 1.0, 0.9, 0.6, 0.4, 0.2


class RoutingError(ValueError):
    """The routing table is unreadable or inconsistent; the message names the bad entry."""


@dataclass(frozen=True)
class Contact:
    """Where an agency receives complaints; at least one is set."""

    email: str | None = None
    webhook: str | None = None
    open311: str | None = None


@dataclass(frozen=True)
class Agency:
    """One agency of the routing table."""

    id: str
    name: str
    contact: Contact
    categories: frozenset[str]
    regions: tuple[str, ...]  # as covered: the table's province when the file says []
    forward_by: tuple[str, ...] = ()  # the channels a verified complaint goes through
    digest: bool = False  # e-mail once a day (a digest) instead of one message per complaint
    open311_services: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # category → the agency's service_code


@dataclass(frozen=True)
class RoutingTable:
    """A checked routing table for one province."""

    province: str
    agencies: tuple[Agency, ...]
    defaults: Mapping[str, str]  # category → agency id
    fallback: str

    def agency(self, agency_id: str) -> Agency:
        """Return the agency with this id."""
        return next(a for a in self.agencies if a.id == agency_id)


@dataclass(frozen=True)
class Route:
    """The agency chosen for a complaint, and why."""

    agency_id: str
    agency_name: str
    confidence: float
    reason: str


def route(category: str, region_code: str | None, table: RoutingTable) -> Route:
    """Return the agency that must act on a complaint of `category` in `region_code`."""
    if category not in table.defaults:
        return _to(table, table.fallback, FALLBACK, f"category {category!r} is not in the table: fallback agency")
    if region_code is None:
        return _default(table, category, "no region known")
    if not _within(region_code, table.province):
        return _default(
            table, category, f"region {region_code} is outside the table's province {table.province}", OUTSIDE
        )
    matches = [
        (len(region.split(".")), agency, region)
        for agency in table.agencies
        if category in agency.categories
        for region in agency.regions
        if _within(region_code, region)
    ]
    if not matches:
        return _default(table, category, f"no agency handles {category} in {region_code}")
    depth, agency, region = max(matches, key=lambda m: m[0])
    confidence = MATCHED_PROVINCE if depth == 1 else MATCHED_REGION
    area = load_gazetteer().areas.get(region)
    where = f"{region} ({area.name})" if area else region
    covers = "" if region == region_code else f", which covers {region_code}"
    return _to(table, agency.id, confidence, f"{agency.id} handles {category} in {where}{covers}")


def _default(table: RoutingTable, category: str, why: str, confidence: float = DEFAULTED) -> Route:
    return _to(table, table.defaults[category], confidence, f"{why}: default agency for {category}")


def _to(table: RoutingTable, agency_id: str, confidence: float, reason: str) -> Route:
    return Route(agency_id, table.agency(agency_id).name, confidence, reason)


def _within(code: str, region: str) -> bool:
    return code == region or code.startswith(region + ".")


@lru_cache(maxsize=1)
def category_codes() -> frozenset[str]:
    """Return the category codes of the shipped categories table."""
    table = resources.files("ingest").joinpath("rules/categories.csv").read_text(encoding="utf-8")
    return frozenset(row["code"] for row in csv.DictReader(table.splitlines()))


def load_routing(path: Path | str | None = None) -> RoutingTable:
    """Read and check a routing table (the shipped one by default); raise RoutingError."""
    where = str(path) if path is not None else f"ingest/{SHIPPED}"
    try:
        text = Path(path).read_text(encoding="utf-8") if path is not None else _shipped_text()
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise RoutingError(f"{where}: cannot read the routing table: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise RoutingError(f"{where}: not valid TOML: {error}") from error
    return _check_table(data, where, load_gazetteer(), category_codes())


def _shipped_text() -> str:
    return resources.files("ingest").joinpath(SHIPPED).read_text(encoding="utf-8")


def _check_table(data: dict[str, Any], where: str, gazetteer: Gazetteer, categories: frozenset[str]) -> RoutingTable:
    if unknown := sorted(set(data) - {"province", "fallback", "defaults", "agencies"}):
        raise RoutingError(f"{where}: unknown top-level key {unknown[0]!r}")
    province = data.get("province")
    if not isinstance(province, str) or province not in gazetteer.areas or gazetteer.areas[province].level != PROVINCE:
        raise RoutingError(f"{where}: province: {province!r} is not a province code of regions.csv")
    entries = data.get("agencies")
    if not isinstance(entries, list) or not entries:
        raise RoutingError(f"{where}: agencies: expected one or more [[agencies]] blocks")
    agencies: list[Agency] = []
    for number, entry in enumerate(entries, start=1):
        agency = _check_agency(entry, number, where, province, gazetteer, categories)
        if any(a.id == agency.id for a in agencies):
            raise RoutingError(f"{where}: agency {agency.id!r}: duplicate id")
        agencies.append(agency)
    _check_overlaps(agencies, where)
    ids = {a.id for a in agencies}
    fallback = data.get("fallback")
    if fallback not in ids:
        raise RoutingError(f"{where}: fallback: {fallback!r} is not the id of an agency")
    defaults = _check_defaults(data.get("defaults"), where, ids, categories)
    return RoutingTable(province, tuple(agencies), defaults, fallback)


def _check_agency(
    entry: Any, number: int, where: str, province: str, gazetteer: Gazetteer, categories: frozenset[str]
) -> Agency:
    """Check one [[agencies]] block; errors name the agency by id (or its position)."""
    if not isinstance(entry, dict):
        raise RoutingError(f"{where}: agency #{number}: expected a table")
    agency_id = entry.get("id")
    if not isinstance(agency_id, str) or not _ID.match(agency_id):
        raise RoutingError(f"{where}: agency #{number}: id: expected a slug like 'dinkes-sumbar', got {agency_id!r}")
    label = f"{where}: agency {agency_id!r}"
    if unknown := sorted(set(entry) - {"id", "name", "contact", "categories", "regions", "forward_by", "digest",
                                       "open311_services"}):
        raise RoutingError(f"{label}: unknown field {unknown[0]!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RoutingError(f"{label}: name: expected the agency's name")
    codes = _strings(entry.get("categories"), f"{label}: categories")
    if not codes:
        raise RoutingError(f"{label}: categories: expected at least one category code")
    if unknown := [code for code in codes if code not in categories]:
        raise RoutingError(f"{label}: categories: unknown category code {unknown[0]!r}")
    regions = _strings(entry.get("regions", []), f"{label}: regions")
    for region in regions:
        if region not in gazetteer.areas:
            raise RoutingError(f"{label}: regions: unknown region code {region!r}")
        if not _within(region, province):
            raise RoutingError(f"{label}: regions: {region!r} lies outside the table's province {province!r}")
    contact = _check_contact(entry.get("contact"), label)
    given = tuple(key for key in CONTACT_KEYS if getattr(contact, key))
    forward_by = tuple(dict.fromkeys(_strings(entry.get("forward_by", list(given)), f"{label}: forward_by")))
    if missing := [channel for channel in forward_by if channel not in given]:
        raise RoutingError(f"{label}: forward_by: {missing[0]!r} has no address in [agencies.contact]")
    if not forward_by:
        raise RoutingError(f"{label}: forward_by: expected at least one channel of {', '.join(given)}")
    digest = entry.get("digest", False)
    if not isinstance(digest, bool):
        raise RoutingError(f"{label}: digest: expected true or false")
    if digest and "email" not in forward_by:
        raise RoutingError(f"{label}: digest: a daily digest is an e-mail; add \"email\" to forward_by")
    services = entry.get("open311_services", {})
    if not isinstance(services, dict) or not all(isinstance(v, str) and v.strip() for v in services.values()):
        raise RoutingError(f"{label}: open311_services: expected a table of category = \"service_code\"")
    if unknown := [code for code in services if code not in categories]:
        raise RoutingError(f"{label}: open311_services: unknown category code {unknown[0]!r}")
    return Agency(
        agency_id,
        name.strip(),
        contact,
        frozenset(codes),
        tuple(dict.fromkeys(regions)) or (province,),
        forward_by,
        digest,
        MappingProxyType(dict(services)),
    )


def _check_contact(contact: Any, label: str) -> Contact:
    if not isinstance(contact, dict):
        raise RoutingError(f"{label}: contact: expected a [agencies.contact] table")
    if unknown := sorted(set(contact) - set(CONTACT_KEYS)):
        raise RoutingError(f"{label}: contact: unknown field {unknown[0]!r}; expected {', '.join(CONTACT_KEYS)}")
    if not contact:
        raise RoutingError(f"{label}: contact: expected at least one of {', '.join(CONTACT_KEYS)}")
    for key, value in contact.items():
        pattern = _EMAIL if key == "email" else _URL
        if not isinstance(value, str) or not pattern.match(value):
            raise RoutingError(
                f"{label}: contact.{key}: {value!r} is not a valid {'address' if key == 'email' else 'URL'}"
            )
    return Contact(**contact)


def _check_overlaps(agencies: list[Agency], where: str) -> None:
    """Refuse two agencies for the same category in the same region: the route would be a coin toss."""
    owner: dict[tuple[str, str], str] = {}
    for agency in agencies:
        for category in sorted(agency.categories):
            for region in agency.regions:
                other = owner.setdefault((category, region), agency.id)
                if other != agency.id:
                    raise RoutingError(
                        f"{where}: agency {agency.id!r}: regions: {other!r} already handles {category} in {region}"
                    )


def _check_defaults(defaults: Any, where: str, ids: set[str], categories: frozenset[str]) -> Mapping[str, str]:
    if not isinstance(defaults, dict):
        raise RoutingError(f"{where}: defaults: expected a [defaults] table mapping categories to agency ids")
    if unknown := sorted(set(defaults) - categories):
        raise RoutingError(f"{where}: defaults: unknown category code {unknown[0]!r}")
    if missing := sorted(categories - set(defaults)):
        raise RoutingError(f"{where}: defaults: category {missing[0]!r} has no default agency")
    for category, agency_id in defaults.items():
        if agency_id not in ids:
            raise RoutingError(f"{where}: defaults: {category} points to unknown agency {agency_id!r}")
    return MappingProxyType(dict(defaults))


def _strings(value: Any, label: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RoutingError(f"{label}: expected a list of strings")
    return value
