"""The near-duplicate index in the database: each complaint's LSH band keys and normalised text.

Thin: `ingest.dedupe` computes signatures and decides; this module stores and finds them, on
SQLite and PostgreSQL alike, so the index survives restarts and serves several processes.
Finding candidates reads at most `per_band` rows for each of a text's band keys (the newest
complaints first), so its cost barely grows with the number of complaints stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

import numpy as np
from sqlalchemy import CompoundSelect, Table, bindparam, delete, insert, literal_column, select, union_all
from sqlmodel import Session, col

from ingest.dedupe import SIGNATURE_VERSION, Candidate, Signature, is_open_status, make_candidate, signatures
from ingest.store.models import ComplaintRow, NearDuplicateBandRow, NearDuplicateTextRow


BANDS: Table = NearDuplicateBandRow.__table__  # type: ignore[attr-defined]
TEXTS: Table = NearDuplicateTextRow.__table__  # type: ignore[attr-defined]
BY_COMPLAINT = next(index for index in BANDS.indexes if index.name == "ix_near_duplicate_band_complaint_id")
INSERT_CHUNK = 50_000


def index_complaint(session: Session, complaint_id: int, signature: Signature, *, new: bool = False) -> None:
    """Store (or replace) one complaint's band keys and normalised text (`new`: nothing to replace)."""
    if not new:
        forget_complaint(session, complaint_id)
    keys = sorted(set(signature.band_keys))
    if keys:
        session.execute(insert(BANDS), [{"band_key": k, "complaint_id": complaint_id} for k in keys])
    session.execute(insert(TEXTS), [{"complaint_id": complaint_id, "version": SIGNATURE_VERSION,
                                     "text": signature.text}])


def needs_rebuild(session: Session) -> bool:
    """Return whether some complaint was indexed with another SIGNATURE_VERSION (see `rebuild`)."""
    stale = select(TEXTS.c.complaint_id).where(TEXTS.c.version != SIGNATURE_VERSION).limit(1)
    return session.connection().execute(stale).first() is not None


def forget_complaint(session: Session, complaint_id: int) -> None:
    """Remove one complaint from the index."""
    session.execute(delete(BANDS).where(BANDS.c.complaint_id == complaint_id))
    session.execute(delete(TEXTS).where(TEXTS.c.complaint_id == complaint_id))


def candidates(session: Session, signature: Signature, limit: int = 8, per_band: int = 8) -> list[int]:
    """Return the ids of the complaints sharing most band keys with `signature`, newest first on ties."""
    keys = sorted(set(signature.band_keys))
    if not keys:
        return []
    params = {f"key{i}": key for i, key in enumerate(keys)}
    shared = Counter(session.connection().execute(_newest_per_band(len(keys), per_band), params).scalars().all())
    return [cid for cid, _ in sorted(shared.items(), key=lambda item: (-item[1], -item[0]))[:limit]]


@lru_cache(maxsize=8)
def _newest_per_band(count: int, per_band: int) -> CompoundSelect:
    """Return the query for the newest `per_band` complaints of each of `count` band keys (built once)."""
    newest = [
        select(BANDS.c.complaint_id)
        .where(BANDS.c.band_key == bindparam(f"key{i}"))
        .order_by(BANDS.c.complaint_id.desc())
        .limit(literal_column(str(int(per_band))))  # inline: half the parameters to bind
        .subquery()
        for i in range(count)
    ]
    return union_all(*(select(sub.c.complaint_id) for sub in newest))


_AUTHOR_COMPLAINTS = (
    select(col(ComplaintRow.id))
    .where(col(ComplaintRow.author_id) == bindparam("author_id"))
    .order_by(col(ComplaintRow.id).desc())
    .limit(bindparam("limit"))
)
_CANDIDATE_ROWS = (
    select(col(ComplaintRow.id), col(ComplaintRow.author_id), TEXTS.c.text, col(ComplaintRow.created_at),
           col(ComplaintRow.category), col(ComplaintRow.region_code), col(ComplaintRow.status))
    .join(TEXTS, TEXTS.c.complaint_id == col(ComplaintRow.id))
    .where(col(ComplaintRow.id).in_(bindparam("ids", expanding=True)))
)


def author_complaints(session: Session, author_id: str, limit: int = 20) -> list[int]:
    """Return the ids of an author's newest complaints (a repeat of one needs no shared band)."""
    found = session.connection().execute(_AUTHOR_COMPLAINTS, {"author_id": author_id, "limit": limit})
    return [cid for cid in found.scalars().all() if cid is not None]


def fetch_candidates(session: Session, complaint_ids: Sequence[int]) -> list[Candidate]:
    """Return the indexed complaints as Candidates, in the order of `complaint_ids`."""
    if not complaint_ids:
        return []
    found = {
        row.id: make_candidate(row.id, row.author_id, row.text, row.created_at, category=row.category,
                               region_code=row.region_code, open=is_open_status(row.status), normalised=True)
        for row in session.connection().execute(_CANDIDATE_ROWS, {"ids": list(complaint_ids)}).all()
    }
    return [found[cid] for cid in complaint_ids if cid in found]


def rebuild(session: Session, rows: Iterable[tuple[int, str]], chunk: int = 10_000) -> int:
    """Replace the whole index with (complaint id, text) rows; return how many were indexed.

    Band rows are written in key order and the complaint_id index is built last, so a million
    complaints load in minutes; the keys are held in memory meanwhile (about 256 MB a million).
    """
    session.execute(delete(BANDS))
    session.execute(delete(TEXTS))
    BY_COMPLAINT.drop(session.connection(), checkfirst=True)
    keys: list[np.ndarray] = []  # one (texts, BANDS) block per batch
    ids: list[np.ndarray] = []
    count = 0
    for batch in _batches(rows, chunk):
        signed = signatures([text for _, text in batch])
        session.execute(insert(TEXTS), [{"complaint_id": cid, "version": SIGNATURE_VERSION, "text": s.text}
                                        for (cid, _), s in zip(batch, signed)])
        keyed = [(cid, s.band_keys) for (cid, _), s in zip(batch, signed) if s.band_keys]
        if keyed:
            ids.append(np.array([cid for cid, _ in keyed], dtype=np.int64))
            keys.append(np.array([band_keys for _, band_keys in keyed], dtype=np.int64))
        count += len(batch)
    if keys:
        _insert_in_key_order(session, np.concatenate(keys).ravel(), np.concatenate(ids))
    BY_COMPLAINT.create(session.connection())
    return count


def index_missing(session: Session, chunk: int = 2_000) -> int:
    """Index the complaints the index does not know yet (stored before it existed); return how many."""
    count, last = 0, 0
    while True:
        # Walk forward by id: each chunk starts where the last one ended, never from the top.
        missing = (
            select(col(ComplaintRow.id), col(ComplaintRow.text))
            .outerjoin(TEXTS, TEXTS.c.complaint_id == col(ComplaintRow.id))
            .where(TEXTS.c.complaint_id.is_(None), col(ComplaintRow.id) > last)
            .order_by(col(ComplaintRow.id))
            .limit(chunk)
        )
        rows = session.connection().execute(missing).all()
        if not rows:
            return count
        for (complaint_id, _), signed in zip(rows, signatures([text for _, text in rows])):
            index_complaint(session, complaint_id, signed, new=True)  # missing: nothing to replace
        count += len(rows)
        last = rows[-1][0]


def _batches(rows: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert_in_key_order(session: Session, keys: np.ndarray, ids: np.ndarray) -> None:
    """Insert band rows sorted by key (appending to the B-tree); keys holds BANDS per id."""
    order = np.argsort(keys, kind="stable")
    width = len(keys) // len(ids)
    for start in range(0, len(order), INSERT_CHUNK):
        part = order[start : start + INSERT_CHUNK]
        session.execute(insert(BANDS), [{"band_key": k, "complaint_id": c}
                                        for k, c in zip(keys[part].tolist(), ids[part // width].tolist())])
