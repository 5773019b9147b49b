"""Measure near-duplicate linking against 10,000 and 1,000,000 stored complaints.

Usage: python benchmarks/dedupe_scale.py [DATA_DIR] [--sizes 10000 1000000] [--mentions 2000]

For each size, in a fresh process (so peak memory is per size), it generates complaints from the
shared texts with variations (other numbers, slang spellings, two words swapped), writes them to a
real SQLite file in /tmp, indexes them with `ingest.store.near_duplicates.rebuild`, then links new
mentions the way the bot would: signature, candidate query, the author's own complaints, fetch,
decide. It prints the build throughput, time per mention, mentions per second and peak RSS, then
the ratio of the per-mention times. It also times MinHash signatures: datasketch one text at a
time and in bulk (if datasketch is installed) against ours.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import event, insert  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

from ingest.dedupe import Thresholds, decide_near_duplicate, make_candidate, signature  # noqa: E402
from ingest.store import near_duplicates  # noqa: E402
from ingest.store.models import ComplaintRow  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
SLANG = {"yang": "yg", "tidak": "gak", "jalan": "jln", "dengan": "dgn", "sudah": "udh", "untuk": "utk",
         "karena": "krn", "belum": "blm", "tolong": "tlg", "mohon": "mhn", "depan": "dpn", "sekarang": "skrg"}
LABELS = ("no", "nomor", "rt", "rw", "gang", "blok")


def base_texts(data_dir: Path) -> list[tuple[str, str]]:
    """Return (text cut to a tweet's 280 characters, category) from the shared data."""
    with (data_dir / "complaints_dev.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["text"][:280], row["category"]) for row in csv.DictReader(handle)]


def vary(text: str, rng: random.Random) -> str:
    """Return text with other numbers, some slang, maybe an address number and two words swapped."""
    words = text.split()
    for i, word in enumerate(words):
        if word.lower() in SLANG and rng.random() < 0.5:
            words[i] = SLANG[word.lower()]
        elif word.isdigit() and rng.random() < 0.7:
            words[i] = str(rng.randint(1, 200))
    if rng.random() < 0.6:
        words += [rng.choice(LABELS), str(rng.randint(1, 150))]
    if len(words) > 3 and rng.random() < 0.5:
        j = rng.randrange(len(words) - 1)
        words[j], words[j + 1] = words[j + 1], words[j]
    return " ".join(words)[:280]


def complaints(bases: Sequence[tuple[str, str]], size: int, seed: int) -> Iterator[dict[str, Any]]:
    """Yield `size` complaint rows, each a variation of a base text, oldest first."""
    rng = random.Random(seed)
    authors = max(size // 3, 1)
    step = timedelta(days=730) / size
    for number in range(1, size + 1):
        text, category = bases[rng.randrange(len(bases))]
        created = T0 + step * number
        yield {"id": number, "tracking_number": f"LPR{number:09d}", "first_tweet_id": str(10**12 + number),
               "author_id": str(rng.randrange(authors)), "text": vary(text, rng), "kind": "pengaduan",
               "category": category, "language": "id", "status": "awaiting_verification",
               "region_code": "35.78", "acknowledgement": "pending", "acknowledgement_reason": "",
               "created_at": created, "updated_at": created}


def open_database(path: Path, cache_mb: int) -> Any:
    """Return an engine on a fresh SQLite file with the complaint table and the index tables."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # as the bot's store does
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    SQLModel.metadata.create_all(engine, tables=[ComplaintRow.__table__, near_duplicates.BANDS,
                                                 near_duplicates.TEXTS])
    return engine


def build(engine: Any, bases: Sequence[tuple[str, str]], size: int) -> dict[str, float]:
    """Store `size` complaints and index them; return the timings."""
    started = time.perf_counter()
    with Session(engine) as session:
        batch: list[dict[str, Any]] = []
        for row in complaints(bases, size, seed=size):
            batch.append(row)
            if len(batch) == 20_000:
                session.execute(insert(ComplaintRow.__table__), batch)
                batch = []
        if batch:
            session.execute(insert(ComplaintRow.__table__), batch)
        session.commit()
    stored = time.perf_counter()
    with Session(engine) as session:
        rows = ((row["id"], row["text"]) for row in complaints(bases, size, seed=size))
        near_duplicates.rebuild(session, rows)
        session.commit()
    indexed = time.perf_counter()
    return {"store_s": stored - started, "index_s": indexed - stored}


def link(session: Session, text: str, author_id: str, category: str, now: datetime, thresholds: Thresholds) -> Any:
    """Link one new mention exactly as the bot would."""
    signed = signature(text)
    ids = near_duplicates.candidates(session, signed)
    ids += [cid for cid in near_duplicates.author_complaints(session, author_id, limit=4) if cid not in ids]
    found = near_duplicates.fetch_candidates(session, ids)
    new = make_candidate(None, author_id, signed.text, now, category=category, normalised=True)
    return decide_near_duplicate(new, found, thresholds)


def new_mentions(bases: Sequence[tuple[str, str]], size: int, count: int, seed: int) -> list[tuple[str, str, str]]:
    """Return (text, author id, category) of new mentions: variations of the same base texts."""
    rng = random.Random(seed)
    return [(vary(text, rng), str(rng.randrange(max(size // 3, 1))), category)
            for text, category in (bases[rng.randrange(len(bases))] for _ in range(count))]


def measure(engine: Any, bases: Sequence[tuple[str, str]], size: int, mentions: int) -> dict[str, float]:
    """Link `mentions` new mentions after as many others (a running bot's warm caches); return the timings."""
    news = new_mentions(bases, size, mentions, seed=7)
    thresholds = Thresholds()
    now = T0 + timedelta(days=731)
    times, linked = [], 0
    with Session(engine) as session:
        for text, author, category in new_mentions(bases, size, mentions, seed=8):
            link(session, text, author, category, now, thresholds)
        for text, author, category in news:
            started = time.perf_counter()
            linked += link(session, text, author, category, now, thresholds) is not None
            times.append(time.perf_counter() - started)
    times.sort()
    return {"per_mention_ms": 1000 * sum(times) / len(times), "p50_ms": 1000 * times[len(times) // 2],
            "p95_ms": 1000 * times[int(len(times) * 0.95)], "linked": linked / len(times)}


def run_one(data_dir: Path, size: int, mentions: int, db_dir: Path, cache_mb: int) -> dict[str, float]:
    """Build and measure one size; return everything as numbers (run in its own process)."""
    bases = base_texts(data_dir)
    path = db_dir / f"lapor-dedupe-{size}.db"
    engine = open_database(path, cache_mb)
    result: dict[str, float] = {"size": size, **build(engine, bases, size)}
    result.update(measure(engine, bases, size, mentions))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    result["db_mb"] = path.stat().st_size / 2**20
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    return result


def signature_costs(data_dir: Path, count: int = 2000) -> list[tuple[str, float]]:
    """Return microseconds per text for datasketch (one by one, bulk) and for ours."""
    texts = [t for t, _ in base_texts(data_dir)[:count]]
    costs = []
    try:
        from datasketch import MinHash
    except ImportError:
        MinHash = None
    if MinHash is not None:
        from ingest.dedupe import normalise_for_matching

        shingled = [[n[i : i + 5].encode() for i in range(max(len(n) - 4, 1))]
                    for n in map(normalise_for_matching, texts)]
        started = time.perf_counter()
        for shingles in shingled:
            MinHash(num_perm=64).update_batch(shingles)
        costs.append(("datasketch MinHash(64), one text at a time, shingles given", time.perf_counter() - started))
        started = time.perf_counter()
        MinHash.bulk(shingled, num_perm=64)
        costs.append(("datasketch MinHash.bulk(64), shingles given", time.perf_counter() - started))
    started = time.perf_counter()
    for text in texts:
        signature(text)
    costs.append(("ours: signature(), normalising included", time.perf_counter() - started))
    return [(name, seconds / len(texts) * 1e6) for name, seconds in costs]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--db-dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--cache-mb", type=int, default=2, help="SQLite page cache (2 MB: the store's default)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.data_dir, args.one, args.mentions, args.db_dir, args.cache_mb)))
        return 0
    print(f"SQLite page cache {args.cache_mb} MB; {args.mentions} mentions measured after as many others")
    print("signature cost per text (complaints cut to 280 characters):")
    for name, micros in signature_costs(args.data_dir):
        print(f"  {name:<58}{micros:>8.1f} µs")
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, str(args.data_dir), "--one", str(size), "--mentions",
                   str(args.mentions), "--db-dir", str(args.db_dir), "--cache-mb", str(args.cache_mb)]
        output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    print(f"\n{'complaints':>11}{'store s':>9}{'index s':>9}{'indexed/s':>11}{'ms/mention':>12}{'p50':>7}"
          f"{'p95':>7}{'mentions/s':>12}{'linked':>8}{'db MB':>8}{'peak RSS MB':>13}")
    for r in results:
        print(f"{r['size']:>11,}{r['store_s']:>9.1f}{r['index_s']:>9.1f}{r['size'] / r['index_s']:>11,.0f}"
              f"{r['per_mention_ms']:>12.3f}{r['p50_ms']:>7.2f}{r['p95_ms']:>7.2f}{1000 / r['per_mention_ms']:>12,.0f}"
              f"{r['linked']:>8.0%}{r['db_mb']:>8.0f}{r['peak_rss_mb']:>13.0f}")
    if len(results) > 1:
        ratio = results[-1]["per_mention_ms"] / results[0]["per_mention_ms"]
        print(f"\nper-mention time, {results[-1]['size']:,} vs {results[0]['size']:,} complaints: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
