"""Time the console's queue page (GET /queue) over 100,000 complaints on SQLite.

Usage: python benchmarks/console_queue.py [--complaints 100000] [--runs 30] [--db PATH] [--explain]
                                          [--prototype-indexes]

It fills a real SQLite file (migrated by `open_store`) with complaints and their first
mentions in a realistic mix: a year of history, most of it closed; statuses, needs_review,
urgent, flags, SLA deadlines, regions of Sumatera Barat, agencies of the routing table. It signs
an officer in with Flask's test client and times each queue URL `--runs` times after one
warm-up, printing the median and p95 in milliseconds against the target (under 200 ms).
`--explain` prints SQLite's plan for the queue's queries; `--prototype-indexes` adds the
indexes a migration would add, then times again (the database keeps them).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.settings import load_settings  # noqa: E402
from bot.web.passwords import hash_password  # noqa: E402
from bot.web.app import Console, create_app  # noqa: E402
from ingest.routing import load_routing  # noqa: E402
from ingest.store.store import open_store  # noqa: E402
from ingest.store.users import add_user  # noqa: E402
from ingest.workdays import WorkCalendar  # noqa: E402

TARGET_MS = 200.0
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)
CHUNK = 5_000
# Of 100 complaints: their status (a year of history, most of it done).
STATUS_MIX = (("closed", 52), ("rejected", 8), ("merged", 5), ("responded", 9), ("in_progress", 6),
              ("forwarded", 8), ("verified", 3), ("awaiting_verification", 9))
STAGE = {"awaiting_verification": ("verify", 3), "verified": (None, 0), "forwarded": ("respond", 7),
         "in_progress": ("respond", 7), "responded": ("close", 14)}
FLAG_RATES = (("personal_data", 0.05), ("low_confidence", 0.04), ("abusive", 0.01), ("campaign", 0.01))
PLACES = ("Jl. Sudirman", "Jl. Khatib Sulaiman", "Pasar Raya", "Simpang Haru", "Lubuk Buaya", "Air Tawar",
          "Jorong Koto Tuo", "Nagari Sungai Pua", "Kampung Pondok", "Tabing")
PROBLEMS = ("jalan berlubang", "lampu PJU mati", "sampah menumpuk", "drainase tersumbat", "air PDAM mati",
            "jembatan rusak", "pungutan liar", "antrean puskesmas panjang", "parkir liar", "pohon tumbang")
URLS = {
    "first page": "/queue",
    "filtered": "/queue?tab=needs_review&category=infrastruktur",
    "filtered by region and flag": "/queue?region=13.71&flag=personal_data",
    "search": "/queue?q=jembatan+rusak",
    "tracking number": "/queue?q={tracking}",
    "page 100": "/queue?page=100",
}
# The indexes a migration would add (prototyped by --prototype-indexes). The first is the queue's
# sort order, so a page is read in order and the scan stops after it instead of sorting every open
# complaint; the second covers the total and the tab counts (status, then the overdue range).
PROTOTYPE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_complaint_queue_order ON complaint "
    "(needs_review DESC, urgent DESC, (due_at IS NULL), due_at, id)",
    "CREATE INDEX IF NOT EXISTS ix_complaint_status_due ON complaint (status, due_at, needs_review, urgent)",
)
OLD = timedelta(days=45)  # older complaints are mostly done; a quarter of the open ones stay as a backlog


def main() -> int:
    """Fill (or reuse) the database, then time the queue URLs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", type=Path, help="a SQLite file to fill (or reuse when it holds complaints)")
    parser.add_argument("--explain", action="store_true", help="print SQLite's query plans of the queue")
    parser.add_argument("--prototype-indexes", action="store_true", help="add candidate indexes, then time again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lapor-queue-bench-") as folder:
        path = args.db or Path(folder) / "queue.db"
        fill(path, args.complaints)
        client = signed_in_client(path)
        print(f"GET /queue, {args.runs} runs each, over {count(path):,} complaints (target: under {TARGET_MS:.0f} ms)")
        tracking = _tracking_number(path)
        report(client, args.runs, tracking)
        if args.explain:
            explain(path)
        if args.prototype_indexes:
            with sqlite3.connect(path) as db:
                for statement in PROTOTYPE_INDEXES:
                    db.execute(statement)
                db.execute("ANALYZE")
            print("with the prototype indexes:")
            report(client, args.runs, tracking)
            if args.explain:
                explain(path)
    return 0


def _tracking_number(path: Path) -> str:
    """Return the tracking number of an open complaint in the middle of the table (a search by number)."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT tracking_number FROM complaint WHERE status = 'forwarded' AND id > ? "
                         "ORDER BY id LIMIT 1", (count(path) // 2,)).fetchone()
    return str(row[0])


def count(path: Path) -> int:
    """Return how many complaints the database holds."""
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM complaint").fetchone()[0])


def fill(path: Path, total: int) -> None:
    """Create the schema and insert `total` complaints with their first mentions (skipped if there)."""
    store = open_store(f"sqlite:///{path}")
    store.close()
    if count(path) >= total:
        return
    started = time.perf_counter()
    rng = random.Random(7)
    regions = _regions()
    routing = load_routing()
    agencies = {a.id: a.name for a in routing.agencies}
    categories = sorted(routing.defaults)
    with sqlite3.connect(path) as db:
        for chunk in _chunks(range(1, total + 1), CHUNK):
            rows = [_row(n, rng, regions, categories, routing.defaults, agencies) for n in chunk]
            db.executemany(COMPLAINT_SQL, [r[0] for r in rows])
            db.executemany(MENTION_SQL, [r[1] for r in rows])
        db.execute("ANALYZE")
    print(f"filled {path} with {total:,} complaints in {time.perf_counter() - started:.1f} s")


COMPLAINT_COLUMNS = (
    "id", "tracking_number", "first_tweet_id", "author_id", "author_username", "conversation_id", "text", "kind",
    "category", "language", "status", "needs_review", "has_personal_data", "supporters", "mentions",
    "acknowledgement", "acknowledgement_reason", "created_at", "updated_at", "agency", "region_code",
    "region_name", "agency_id", "urgent", "flags_json", "cluster_id", "verified_at", "forwarded_at",
    "responded_at", "closed_at", "status_changed_at", "personal_data_marked", "due_stage", "due_at",
)
MENTION_COLUMNS = (
    "tweet_id", "author_id", "author_username", "text", "created_at", "language", "original_id", "referenced_json",
    "link", "link_reason", "complaint_id", "kind", "category", "kind_confidence", "category_confidence",
    "reasons_json", "has_personal_data", "answerable", "raw_json", "fetched_at", "region_code", "agency_id",
    "flags_json",
)
COMPLAINT_SQL = f"INSERT INTO complaint ({', '.join(COMPLAINT_COLUMNS)}) VALUES ({', '.join('?' * len(COMPLAINT_COLUMNS))})"
MENTION_SQL = f"INSERT INTO mention ({', '.join(MENTION_COLUMNS)}) VALUES ({', '.join('?' * len(MENTION_COLUMNS))})"


def _row(n: int, rng: random.Random, regions: list[tuple[str, str]], categories: list[str],
         defaults: dict[str, str], agencies: dict[str, str]) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """Return one complaint and its first mention as value tuples."""
    created = NOW - timedelta(days=365 * rng.random() ** 1.5, minutes=rng.randrange(1440))
    status = rng.choices([s for s, _ in STATUS_MIX], [w for _, w in STATUS_MIX])[0]
    if created > NOW - timedelta(days=3) and status in ("closed", "responded"):
        status = "awaiting_verification"
    elif created < NOW - OLD and status in STAGE and rng.random() < 0.75:
        status = "closed"
    category = rng.choice(categories)
    region_code, region_name = rng.choice(regions) if rng.random() < 0.85 else (None, None)
    agency_id = defaults.get(category)
    flags = [flag for flag, rate in FLAG_RATES if rng.random() < rate]
    urgent = rng.random() < 0.02
    if urgent:
        flags.insert(0, "urgent")
    needs_review = status == "awaiting_verification" and (bool(flags) or rng.random() < 0.2)
    stage, days = STAGE.get(status, (None, 0))
    due = created + timedelta(days=days + rng.random() * 3) if stage else None
    stamps = [created + timedelta(hours=h) for h in (6, 30, 80, 200)]
    text = (f"@lapor1708 {rng.choice(PROBLEMS).capitalize()} di {rng.choice(PLACES)}"
            f"{', ' + region_name if region_name else ''} sudah {rng.randint(2, 30)} hari, mohon ditindaklanjuti.")
    tweet_id = str(1_900_000_000_000_000_000 + n)
    tracking = f"LPR-{created:%y%m}-{n:05d}" if n < 100_000 else f"LPR-{created:%y%m}-{n}"
    author = str(1_000_000 + rng.randrange(40_000))
    at, done = _ts(created), status in ("closed", "rejected", "merged")
    complaint = (
        n, tracking, tweet_id, author, f"warga{author}", tweet_id, text, "pengaduan", category, "id", status,
        needs_review, "personal_data" in flags, rng.choice((0, 0, 0, 1, 2, 5)), 1, "posted", "new complaint", at,
        _ts(stamps[-1] if done else created), agencies.get(agency_id or ""), region_code, region_name, agency_id,
        urgent, json.dumps(flags), (n - 1) if status == "merged" and n > 1 else None,
        _ts(stamps[0]) if status not in ("awaiting_verification", "rejected") else None,
        _ts(stamps[1]) if status in ("forwarded", "in_progress", "responded", "closed") else None,
        _ts(stamps[2]) if status in ("responded", "closed") else None,
        _ts(stamps[3]) if status == "closed" else None, at, False, stage, _ts(due) if due else None,
    )
    reasons = [f"decide: kind=pengaduan ({0.5 + rng.random() / 2:.2f})", f"category={category}: matched keywords"]
    mention = (
        tweet_id, author, f"warga{author}", text, at, "id", tweet_id, "[]", "new", "classified as pengaduan", n,
        "pengaduan", category, 0.5 + rng.random() / 2, 0.4 + rng.random() * 0.6, json.dumps(reasons),
        "personal_data" in flags, True, "{}", at, region_code, agency_id, json.dumps(flags),
    )
    return complaint, mention


def _ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _regions() -> list[tuple[str, str]]:
    with (REPO_ROOT / "ingest" / "rules" / "regions.csv").open(encoding="utf-8") as source:
        return [(r["code"], r["name"]) for r in csv.DictReader(source) if r["code"].startswith("13.")]


def _chunks(values: range, size: int) -> Iterator[range]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def signed_in_client(path: Path) -> object:
    """Return a Flask test client signed in as an officer of the console over `path`."""
    store = open_store(f"sqlite:///{path}")
    console = Console(settings=load_settings({}), store=store, routing=load_routing(), calendar=WorkCalendar(),
                      now=lambda: NOW)
    app = create_app(console, secret_key="b" * 40, secure_cookies=False)
    password = "bench-officer-password"
    from ingest.store.users import user_by_name

    if user_by_name(store, "bench") is None:
        add_user(store, "bench", "Bench", hash_password(password), "officer", NOW)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": "bench", "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def report(client: object, runs: int, tracking: str) -> None:
    """Time every queue URL and print its median and p95."""
    for name, pattern in URLS.items():
        url = pattern.format(tracking=tracking)
        timings = []
        for attempt in range(runs + 1):
            started = time.perf_counter()
            answer = client.get(url)  # type: ignore[attr-defined]
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (url, answer.status_code)
            if attempt:  # the first is a warm-up (templates, caches)
                timings.append(elapsed)
        timings.sort()
        median, p95 = statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        verdict = "ok" if p95 < TARGET_MS else "SLOW"
        print(f"  {name:<28} median {median:7.1f} ms   p95 {p95:7.1f} ms   {verdict}   {url}")


def explain(path: Path) -> None:
    """Print SQLite's plans of the queue's main queries (the first page, the counts, a search)."""
    open_statuses = "('awaiting_verification', 'verified', 'forwarded', 'in_progress', 'responded')"
    order = "needs_review DESC, urgent DESC, due_at IS NULL, due_at, id"
    queries = {
        "first page": f"SELECT * FROM complaint WHERE status IN {open_statuses} ORDER BY {order} LIMIT 50",
        "page 100": f"SELECT * FROM complaint WHERE status IN {open_statuses} ORDER BY {order} LIMIT 50 OFFSET 4950",
        "total": f"SELECT count(*) FROM complaint WHERE status IN {open_statuses}",
        "tab needs_review": f"SELECT count(*) FROM complaint WHERE status IN {open_statuses} AND needs_review = 1",
        "tab overdue": f"SELECT count(*) FROM complaint WHERE status IN {open_statuses} AND due_at < '2026-11-28'",
        "search": f"SELECT * FROM complaint WHERE status IN {open_statuses} AND (tracking_number = 'X' "
                  f"OR text LIKE '%jembatan%' ESCAPE '/') ORDER BY {order} LIMIT 50",
    }
    with sqlite3.connect(path) as db:
        for name, sql in queries.items():
            started = time.perf_counter()
            db.execute(sql).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            plan = "; ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql))
            print(f"  {name:<18} {elapsed:6.1f} ms  {plan}")


if __name__ == "__main__":
    sys.exit(main())
