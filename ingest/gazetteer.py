"""The gazetteer of Indonesian regions: official codes, names and informal aliases.

Loaded once from the shipped `rules/regions.csv` (Kepmendagri codes: 38 provinces, 514
kabupaten/kota, 7,285 kecamatan) and `rules/region_aliases.csv` (Jaksel, Jogja, Sumbar…),
and indexed by folded word sequences so a text is matched with dict look-ups, not regexes.
Pure: reads only files inside the package.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

PROVINCE, REGENCY, DISTRICT = 1, 2, 3
LEVEL_NAMES = {PROVINCE: "province", REGENCY: "regency", DISTRICT: "district"}

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Area:
    """One row of regions.csv: a province, a kabupaten/kota or a kecamatan."""

    code: str
    name: str  # official: "Kota Padang", "Kabupaten Solok", "Sumatera Barat", "Gubeng"
    level: int
    parent_code: str | None
    kind: str  # provinsi | kabupaten | kota | kecamatan
    short_name: str  # "Padang", "Solok"


@dataclass(frozen=True)
class NameEntry:
    """An area that a folded word sequence names, and whether it is an informal alias."""

    code: str
    alias: bool = False


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: there is one per process
class Gazetteer:
    """Areas by code and by folded name, ready for n-gram look-ups."""

    areas: Mapping[str, Area]
    names: Mapping[tuple[str, ...], tuple[NameEntry, ...]]
    squashed: Mapping[str, tuple[NameEntry, ...]]  # "padangpariaman", for hashtags
    first_words: frozenset[str]
    longest: int  # most words in one name
    lineages: Mapping[str, tuple[str, ...]]  # code → itself and its ancestors

    def lineage(self, code: str) -> tuple[str, ...]:
        """Return `code` and its ancestors, most specific first."""
        return self.lineages[code]

    def within(self, code: str, ancestor: str) -> bool:
        """Tell whether area `code` is `ancestor` or lies inside it."""
        return code == ancestor or code.startswith(ancestor + ".")


def fold_words(text: str) -> tuple[str, ...]:
    """Split a name or text into folded words: NFKC, casefold, letters and digits only."""
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Read the shipped region tables once and index them."""
    areas = {area.code: area for area in _read_areas()}
    entries: dict[tuple[str, ...], list[NameEntry]] = {}
    for area in areas.values():
        _add(entries, fold_words(area.short_name), NameEntry(area.code))
    for alias, code in _read_aliases():
        if code not in areas:
            raise ValueError(f"region_aliases.csv: alias {alias!r} points to unknown code {code!r}")
        _add(entries, fold_words(alias), NameEntry(code, alias=True))
    names = {words: tuple(found) for words, found in entries.items()}
    squashed: dict[str, list[NameEntry]] = {}
    for words, found in names.items():
        if all(len(word) >= 3 for word in words):  # "Ma'u" must not become "mau" (want)
            squashed.setdefault("".join(words), []).extend(found)
    return Gazetteer(
        areas=areas,
        names=names,
        squashed={key: tuple(found) for key, found in squashed.items()},
        first_words=frozenset(words[0] for words in names),
        longest=max(len(words) for words in names),
        lineages={code: _lineage(code, areas) for code in areas},
    )


def _lineage(code: str, areas: Mapping[str, Area]) -> tuple[str, ...]:
    chain = []
    current: str | None = code
    while current:
        chain.append(current)
        current = areas[current].parent_code
    return tuple(chain)


def _add(entries: dict[tuple[str, ...], list[NameEntry]], words: tuple[str, ...], entry: NameEntry) -> None:
    """Index `entry` under `words`, once per code (an alias may repeat an official name)."""
    if not words:
        return
    found = entries.setdefault(words, [])
    if all(existing.code != entry.code for existing in found):
        found.append(entry)


def _read_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ingest").joinpath(f"rules/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _read_areas() -> list[Area]:
    return [
        Area(
            code=row["code"],
            name=row["name"],
            level=int(row["level"]),
            parent_code=row["parent_code"] or None,
            kind=row["kind"],
            short_name=row["short_name"],
        )
        for row in _read_rows("regions.csv")
    ]


def _read_aliases() -> list[tuple[str, str]]:
    return [(row["alias"], row["code"]) for row in _read_rows("region_aliases.csv")]
