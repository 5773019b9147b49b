"""Decide where a complaint is about: province, kabupaten/kota and kecamatan, with reasons.

Pure. `ingest.region_names` finds the place names in the text, its hashtags and X's place,
each lending a weight to every area it may mean. Here every candidate area is scored as a
chain: each name counts once, for the most specific area it names on the chain from the
candidate up to its province, plus `AGREEMENT` for every further level named along it (two
weak names that fit together are strong). The best chain wins (ties: the more specific,
then the first named); it needs a score of at least `ACCEPT`, so a lone ambiguous kecamatan
or a common word is never enough. Confidence grows with the score and shrinks with the best
rival chain that is not on the same line (another regency, another province).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ingest.gazetteer import DISTRICT, PROVINCE, REGENCY, Gazetteer, load_gazetteer
from ingest.region_names import ACCEPT, NameHit, find_names, place_hit

RIVAL = ACCEPT / 2  # a rival chain weaker than this (a common word, a street) is noise
AGREEMENT = 0.1  # per extra level named: "Sukolilo, Pati" is sure though each word is weak


@dataclass(frozen=True)
class Region:
    """Where a complaint is about, as regions.csv codes and official names."""

    province_code: str
    province_name: str
    regency_code: str | None
    regency_name: str | None
    district_code: str | None
    district_name: str | None
    confidence: float  # 0..1: how strongly and how unambiguously the text names this place
    reasons: tuple[str, ...]  # the names and rules that decided, in English

    @property
    def code(self) -> str:
        """Return the most specific code known."""
        return self.district_code or self.regency_code or self.province_code

    @property
    def name(self) -> str:
        """Return the official name of the most specific area known."""
        return self.district_name or self.regency_name or self.province_name


@dataclass(frozen=True)
class _Chain:
    """A candidate area and the weight each name lends to it."""

    code: str
    score: float
    credits: tuple[tuple[NameHit, str, float], ...]  # (hit, area it was credited for, weight)


def resolve_region(text: str, place_name: str | None = None, place_type: str | None = None) -> Region | None:
    """Return the region a mention is about (X's place helps), or None when nothing is named."""
    gazetteer = load_gazetteer()
    hits = find_names(text or "", gazetteer)
    place = place_hit(place_name, place_type, gazetteer) if place_name else None
    if place is not None:
        hits += (place,)
    chains = _score_chains(hits, gazetteer)
    if not chains:
        return None
    best = max(chains, key=lambda c: (c.score, gazetteer.areas[c.code].level, -_first(c)))
    if best.score < ACCEPT:
        return None
    rivals = [c for c in chains if c.score >= RIVAL and not _on_one_line(c.code, best.code, gazetteer)]
    rival = max(rivals, key=lambda c: c.score) if rivals else None
    return _region(best, rival, _rival_weight(rival, best), gazetteer)


def _score_chains(hits: tuple[NameHit, ...], gazetteer: Gazetteer) -> list[_Chain]:
    """Score every area named by any hit, counting each hit once per chain."""
    by_code: dict[str, list[tuple[NameHit, float]]] = {}
    for hit in hits:
        for code, weight in hit.weights:
            by_code.setdefault(code, []).append((hit, weight))
    chains = []
    for code in by_code:
        credits: dict[int, tuple[NameHit, str, float]] = {}
        for ancestor in gazetteer.lineage(code):  # most specific first: it takes the credit
            for hit, weight in by_code.get(ancestor, ()):
                credits.setdefault(id(hit), (hit, ancestor, weight))
        levels = {gazetteer.areas[ancestor].level for _, ancestor, _ in credits.values()}
        score = sum(weight for _, _, weight in credits.values()) + AGREEMENT * (len(levels) - 1)
        ordered = sorted(credits.values(), key=lambda credit: credit[0].position)
        chains.append(_Chain(code, round(score, 3), tuple(ordered)))
    return chains


def _rival_weight(rival: _Chain | None, best: _Chain) -> float:
    """Weigh the rival: less when it only re-reads some of the names the best chain explains."""
    if rival is None:
        return 0.0
    own = {id(hit) for hit, _, _ in best.credits}
    if all(id(hit) in own for hit, _, _ in rival.credits):
        return rival.score * len(rival.credits) / len(best.credits)
    return rival.score


def _first(chain: _Chain) -> int:
    return min((hit.position for hit, _, _ in chain.credits if hit.position >= 0), default=1 << 30)


def _on_one_line(code: str, other: str, gazetteer: Gazetteer) -> bool:
    """Tell whether one area contains the other (or they are the same)."""
    return gazetteer.within(code, other) or gazetteer.within(other, code)


def _confidence(score: float, rival: float) -> float:
    """Grow with the score (0.5 → 0.53, 1 → 0.78, 2 → 0.95); share it with the rival."""
    strength = 1 - math.exp(-1.5 * score)
    return round(strength * score / (score + rival), 3)


def _region(best: _Chain, rival: _Chain | None, rival_weight: float, gazetteer: Gazetteer) -> Region:
    names = {gazetteer.areas[code].level: gazetteer.areas[code] for code in gazetteer.lineage(best.code)}
    reasons = [_credit_reason(hit, code, gazetteer) for hit, code, _ in best.credits]
    reasons += _ambiguity_reasons(best, gazetteer)
    if all(hit.key == ("place",) for hit, _, _ in best.credits):
        reasons.append("the text names no place: used X's place")
    if rival is not None:
        reasons.append(f"{_rival_names(rival, best, gazetteer)}; confidence lowered")
    province, regency, district = names[PROVINCE], names.get(REGENCY), names.get(DISTRICT)
    return Region(
        province_code=province.code,
        province_name=province.name,
        regency_code=regency.code if regency else None,
        regency_name=regency.name if regency else None,
        district_code=district.code if district else None,
        district_name=district.name if district else None,
        confidence=_confidence(best.score, rival_weight),
        reasons=tuple(dict.fromkeys(reasons)),
    )


def _credit_reason(hit: NameHit, code: str, gazetteer: Gazetteer) -> str:
    area = gazetteer.areas[code]
    if code in hit.aliases:
        return f"{hit.label} is an alias of {code} ({area.name})"
    return f"{hit.label} names {area.kind} {code} ({area.name})"


def _ambiguity_reasons(best: _Chain, gazetteer: Gazetteer) -> list[str]:
    """Say which reading was chosen for every name that may mean several areas."""
    reasons = []
    for hit, code, _ in best.credits:
        others = [other for other, _ in hit.weights if other != code]
        if not others or hit.key == ("place",):
            continue
        area = gazetteer.areas[code]
        twins = [gazetteer.areas[o] for o in others if gazetteer.areas[o].level == area.level]
        alone = len(best.credits) == 1
        if area.kind == "kota" and any(t.kind == "kabupaten" for t in twins) and alone:
            twin = next(t for t in twins if t.kind == "kabupaten")
            reasons.append(f'bare "{area.short_name}" is both {area.name} and {twin.name}: preferred the kota')
        elif twins and not alone:
            reasons.append(
                f'"{area.short_name}" may name {len(twins) + 1} {area.kind} areas: '
                f"the other names point to {area.name} ({code})"
            )
        elif twins:
            reasons.append(f'"{area.short_name}" may name {len(twins) + 1} areas: chose {area.name} ({code})')
    return reasons


def _rival_names(rival: _Chain, best: _Chain, gazetteer: Gazetteer) -> str:
    own = {id(hit) for hit, _, _ in best.credits}
    labels = [hit.label for hit, _, _ in rival.credits if id(hit) not in own]
    where = f"{rival.code} ({gazetteer.areas[rival.code].name})"
    if not labels:
        return f"another reading of {rival.credits[0][0].label} is {where}"
    return f"also named: {', '.join(labels)} → {where}"
