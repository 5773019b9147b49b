"""Recognise one problem arriving many times: normalise, sign, verify, decide.

Pure. A complaint's `signature` gives LSH band keys (MinHash over character shingles, vectorised
with numpy); the store returns the complaints that share bands; `decide_near_duplicate` verifies
them with rapidfuzz and the rules below; `detect_campaign` spots bursts of copies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

import numpy as np

from ingest.match_text import (  # noqa: F401 - the text functions are part of this API
    PROBLEM_LABEL,
    details_of_normalised,
    detail_conflicts,
    distinguishing_details,
    distinguishing_numbers,
    normalise_for_matching,
    similarity,
    specific_words,
)

# MinHash LSH. Changing any of these changes every stored key: bump SIGNATURE_VERSION and rebuild.
SHINGLE = 5  # characters per shingle
BANDS = 16
ROWS = 4  # MinHash values per band: BANDS * ROWS hash functions in all
SIGNATURE_VERSION = 1
_MASK64 = (1 << 64) - 1


def _splitmix64(seed: int, count: int) -> list[int]:
    """Return `count` well-mixed 64-bit constants from `seed` (fixed forever: keys are stored)."""
    values = []
    for _ in range(count):
        seed = (seed + 0x9E3779B97F4A7C15) & _MASK64
        z = ((seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        values.append(z ^ (z >> 31))
    return values


_MULTIPLIERS = np.array([v | 1 for v in _splitmix64(1708, BANDS * ROWS)], dtype=np.uint64)
_OFFSETS = np.array(_splitmix64(2023, BANDS * ROWS), dtype=np.uint64)
_BAND_SALTS = np.array(_splitmix64(121, BANDS), dtype=np.uint64)
_ROW_MULTIPLIERS = np.array([v | 1 for v in _splitmix64(1945, ROWS)], dtype=np.uint64)
_POWERS = np.array([pow(0x100000001B3, SHINGLE - 1 - k, 1 << 64) for k in range(SHINGLE)], dtype=np.uint64)
_MIX = np.uint64(0xFF51AFD7ED558CCD)


@dataclass(frozen=True)
class Signature:
    """A text's normalised form and its LSH band keys (signed 63-bit integers; none if empty)."""

    text: str
    band_keys: tuple[int, ...]


def signature(text: str) -> Signature:
    """Return the normalised text and the band keys of its MinHash."""
    normalised = normalise_for_matching(text)
    if not normalised:
        return Signature(normalised, ())
    return Signature(normalised, tuple(_band_keys(_minhash(normalised)[None, :])[0].tolist()))


def signatures(texts: Sequence[str]) -> list[Signature]:
    """Return the signatures of many texts at once: the same keys as `signature`, faster."""
    normalised = [normalise_for_matching(t) for t in texts]
    filled = [t for t in normalised if t]
    rows = iter(_band_keys(np.stack([_minhash(t) for t in filled])).tolist() if filled else [])
    return [Signature(t, tuple(next(rows)) if t else ()) for t in normalised]


def _minhash(text: str) -> np.ndarray:
    """Return the BANDS * ROWS minimum hashes of text's character shingles."""
    codes = np.frombuffer(text.ljust(SHINGLE).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    windows = np.ndarray((len(codes) - SHINGLE + 1, SHINGLE), np.uint64, codes, strides=(8, 8))
    shingles = windows @ _POWERS
    shingles ^= shingles >> np.uint64(31)
    shingles *= _MIX
    # Multiply-shift hashing: the order of the high 32 bits is the order of the whole product.
    return (shingles[:, None] * _MULTIPLIERS + _OFFSETS).min(axis=0) >> np.uint64(32)


def _band_keys(minhashes: np.ndarray) -> np.ndarray:
    """Return BANDS keys per row: each band's ROWS values folded into one signed 63-bit integer."""
    keys = (minhashes.reshape(len(minhashes), BANDS, ROWS) * _ROW_MULTIPLIERS).sum(axis=2, dtype=np.uint64)
    keys ^= _BAND_SALTS
    keys ^= keys >> np.uint64(33)
    keys *= _MIX
    keys ^= keys >> np.uint64(29)
    return (keys >> np.uint64(1)).astype(np.int64)


CLOSED_STATUSES = frozenset({"closed", "rejected", "archived", "merged"})  # see store.followups.COMPLAINT_STATUSES


def is_open_status(status: str) -> bool:
    """Return whether a complaint with this status can still be restated (a repeat)."""
    return status not in CLOSED_STATUSES


@dataclass(frozen=True)
class Candidate:
    """A stored complaint, or the new mention, as near-duplicate matching sees it."""

    complaint_id: int | None
    author_id: str
    text: str  # normalised by normalise_for_matching
    created_at: datetime
    category: str | None = None
    region_code: str | None = None
    open: bool = True

    @property
    def details(self) -> frozenset[str]:
        """Return the labelled numbers, names and problems of the text (see distinguishing_details)."""
        return details_of_normalised(self.text)


def make_candidate(
    complaint_id: int | None, author_id: str, text: str, created_at: datetime, *,
    category: str | None = None, region_code: str | None = None, open: bool = True, normalised: bool = False,
) -> Candidate:
    """Return a Candidate for a raw text (or one normalised already, which saves the work)."""
    text = text if normalised else normalise_for_matching(text)
    return Candidate(complaint_id, author_id, text, created_at, category or None, region_code or None, open)


@dataclass(frozen=True)
class Thresholds:
    """When texts count as one problem (each is a setting of the bot).

    Measured with benchmarks/dedupe_pairs.py on 347 labelled pairs (71 held out):
    - repeat 0.65: the highest value with recall >= 0.80 (0.828 at precision 0.974; 0.70 gives
      0.791). An author retelling an open complaint scores 0.6-0.8; details and category guard it.
    - related 0.86: precision and recall are flat from 0.70 up with category and region known;
      0.86 is the last value before recall drops and keeps text-only precision at 0.974.
    - min_shared_specific 2: with 1, generic texts ("pipa bocor") link and precision falls to 0.89.
    - related_within and the campaign values are policy: the data has no times and no campaigns.
    """

    repeat: float = 0.65  # same author, open complaint
    related: float = 0.86  # another author, same category and region when known
    related_within: timedelta = timedelta(days=30)  # an older report is history, not a duplicate
    min_shared_specific: int = 2  # specific words or details both texts share, for `related`
    campaign: float = 0.90  # similarity of each copy to the newest mention
    campaign_authors: int = 5  # distinct authors ...
    campaign_window: timedelta = timedelta(minutes=30)  # ... within this time
    # A remark with no kind of its own ("lokasinya depan SD 12") this soon after the author's
    # complaint adds to it (policy: people send the details in a second post).
    continuation_window: timedelta = timedelta(minutes=30)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class NearDuplicate:
    """How a new mention relates to one complaint: repeat, related or none, with score and why."""

    kind: str  # repeat | related | none
    complaint_id: int | None
    score: float
    reason: str


def judge(new: Candidate, old: Candidate, thresholds: Thresholds) -> NearDuplicate:
    """Return whether `new` repeats or relates to `old`, with the score and the reason."""
    score = similarity(new.text, old.text)
    refusal = _refusal(new, old, score, new.author_id == old.author_id, thresholds)
    return NearDuplicate("none", old.complaint_id, score, refusal) if refusal else _link(new, old, score)


def _link(new: Candidate, old: Candidate, score: float) -> NearDuplicate:
    if new.author_id == old.author_id:
        return NearDuplicate("repeat", old.complaint_id, score,
                             f"the author restates open complaint {old.complaint_id} (similarity {score:.2f})")
    shared = sorted(shared_evidence(new, old))[:6]
    return NearDuplicate("related", old.complaint_id, score,
                         f"another citizen reported complaint {old.complaint_id}: similarity {score:.2f}, "
                         f"same category and region, shared words: {', '.join(shared)}")


def _refusal(new: Candidate, old: Candidate, score: float, same_author: bool, th: Thresholds) -> str | None:
    """Return why `new` is not a repeat or related report of `old`, cheapest checks first; None if it is."""
    if not new.text or not old.text:
        return "nothing left to compare once links, handles and emoji are removed"
    if new.category and old.category and new.category != old.category and new.text != old.text:
        return f"category differs: {new.category} vs {old.category}"
    if same_author and not old.open:
        return f"the author's complaint {old.complaint_id} is closed"
    if not same_author:
        if not regions_compatible(new.region_code, old.region_code):
            return f"region differs: {new.region_code} vs {old.region_code}"
        if _utc(new.created_at) - _utc(old.created_at) > th.related_within:
            return f"complaint {old.complaint_id} is older than {th.related_within.days} days"
    needed, kind = (th.repeat, "repeat") if same_author else (th.related, "related")
    if score < needed:
        return f"similarity {score:.2f} is below the {kind} threshold {needed:.2f}"
    conflicts = detail_conflicts(new.details, old.details)
    if conflicts:
        return f"details differ: {'; '.join(conflicts)}"
    if not same_author and len(shared_evidence(new, old)) < th.min_shared_specific:
        return "too generic to tell whether it is the same place or case"
    return None


def _utc(moment: datetime) -> datetime:
    """Return moment as an aware UTC time (SQLite gives stored times back naive)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def shared_evidence(a: Candidate, b: Candidate) -> frozenset[str]:
    """Return the specific words and the place or name details two candidates have in common."""
    details = {d for d in a.details & b.details if not d.startswith(PROBLEM_LABEL)}
    return (specific_words(a.text) & specific_words(b.text)) | details


def regions_compatible(a: str | None, b: str | None) -> bool:
    """Return whether two region codes can name one place (unknown, equal, or one inside the other)."""
    if not a or not b:
        return True
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def decide_near_duplicate(
    new: Candidate, candidates: Sequence[Candidate], thresholds: Thresholds
) -> NearDuplicate | None:
    """Return the best repeat (preferred), else the most similar and newest related complaint, or None."""
    best: tuple[tuple[bool, float, datetime], Candidate] | None = None
    for old in candidates:
        if old.complaint_id is not None and old.complaint_id == new.complaint_id:
            continue
        same_author = new.author_id == old.author_id
        score = similarity(new.text, old.text, thresholds.repeat if same_author else thresholds.related)
        if score and _refusal(new, old, score, same_author, thresholds) is None:
            rank = (same_author, score, _utc(old.created_at))
            if best is None or rank > best[0]:
                best = (rank, old)
    return _link(new, best[1], best[0][1]) if best else None


class Sighting(Protocol):
    """Anything with an author and a time (a Candidate, a stored mention)."""

    @property
    def author_id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True)
class Campaign:
    """A burst of near-identical mentions from many accounts, to review as one incident."""

    authors: int
    mentions: int
    first_at: datetime
    last_at: datetime
    members: tuple[int, ...]  # positions in the sequence given to detect_campaign
    reason: str


def campaign_members(new: Candidate, candidates: Sequence[Candidate], thresholds: Thresholds) -> list[Candidate]:
    """Return `new` and the candidates that copy it within the campaign window before it."""
    return [new] + [
        old for old in candidates
        if timedelta(0) <= _utc(new.created_at) - _utc(old.created_at) <= thresholds.campaign_window
        and not detail_conflicts(new.details, old.details)
        and similarity(new.text, old.text) >= thresholds.campaign
    ]


def detect_campaign(recent: Sequence[Sighting], thresholds: Thresholds) -> Campaign | None:
    """Return the densest window of `recent` if enough distinct authors fall inside it."""
    times = [_utc(item.created_at) for item in recent]
    order = sorted(range(len(recent)), key=times.__getitem__)
    authors: Counter[str] = Counter()
    best = (0, 0, -1)  # distinct authors, first and last position in `order`
    start = 0
    for end, index in enumerate(order):
        authors[recent[index].author_id] += 1
        while times[index] - times[order[start]] > thresholds.campaign_window:
            leaving = recent[order[start]].author_id
            authors[leaving] -= 1
            if not authors[leaving]:
                del authors[leaving]
            start += 1
        if len(authors) >= best[0]:
            best = (len(authors), start, end)
    count, first, last = best
    if count < thresholds.campaign_authors:
        return None
    members = tuple(sorted(order[first : last + 1]))
    first_at, last_at = times[order[first]], times[order[last]]
    minutes = (last_at - first_at).total_seconds() / 60
    return Campaign(count, len(members), first_at, last_at, members,
                    f"{count} accounts sent near-identical mentions within {minutes:.0f} minutes "
                    f"(a campaign is {thresholds.campaign_authors} or more within "
                    f"{thresholds.campaign_window.total_seconds() / 60:.0f})")
