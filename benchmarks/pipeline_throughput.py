"""Measure the pipeline from raw X mention pages to committed complaints with queued replies.

    python benchmarks/pipeline_throughput.py [DATA_DIR] [--mentions 5000] [--rounds 2]
                                             [--postgres URL] [--no-profile]

It builds raw pages shaped like GET /2/users/:id/mentions answers (newest first, 100 a page,
`includes.users`, X's tweet fields) from the shared complaint and tweet texts with variations:
fresh complaints and remarks, thread continuations, retweets, quotes, restatements, copies by
other accounts and small campaign bursts, edits, and tweets a later page repeats. Then, in the
same run, on SQLite (and on PostgreSQL with --postgres URL or LAPOR_BENCH_POSTGRES_URL, e.g.
the URL scripts/postgres_for_tests.sh prints):

- the raw floor: parse the pages' JSON and insert one row per mention with plain SQL
  (executemany, one transaction a page) into a simple table;
- the pipeline: parse the pages, turn them into `Fetched` items as the poller does, run
  `ingest.pipeline.ingest_tweets` into a fresh migrated store, move the cursor, and queue the
  acknowledgements with `replies.queue.queue_replies`.

It prints mentions per second of both, their ratio (target: within 10x) and the 2,000/s target
on one core, then where a profiled run spends its time (normalise, triage, link, store, queue).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.pipeline import ingest_tweets  # noqa: E402
from ingest.poll import MENTIONS, TWITTER_EPOCH_MS, _oldest_first  # noqa: E402
from ingest.store.store import Store, open_store  # noqa: E402
from ingest.x_client import Page  # noqa: E402
from replies.compose import ComposeOptions  # noqa: E402
from replies.queue import QueueConfig, queue_replies  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
ACCOUNT_ID = "1700000000000000001"
HANDLE = "@lapor1708"
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)
TARGET = 2000
RATIO_TARGET = 10.0
PAGE_SIZE = 100
AUTHORS = 1500
SLANG = {"yang": "yg", "tidak": "gak", "jalan": "jln", "dengan": "dgn", "sudah": "udh", "untuk": "utk",
         "karena": "krn", "belum": "blm", "tolong": "tlg", "mohon": "mhn", "sekarang": "skrg"}
REMARKS = ("terima kasih min", "sudah 3 hari belum ada kabar", "mohon segera ditindaklanjuti",
           "ini fotonya", "kapan diperbaiki?", "makasih responnya")
# The share of each kind of mention (the rest are fresh complaints and tweets).
MIX = (("thread", 0.10), ("retweet", 0.08), ("quote", 0.04), ("repeat", 0.06), ("copy", 0.05),
       ("campaign", 0.01), ("edit", 0.03), ("replayed", 0.02), ("remark", 0.04), ("tweet", 0.27))


# --- the mentions ----------------------------------------------------------------------------
def load_texts(data_dir: Path) -> tuple[list[str], list[str]]:
    """Return (complaint texts cut to a post's length, labelled tweet texts)."""
    with (data_dir / "complaints_dev.csv").open(encoding="utf-8", newline="") as handle:
        complaints = [row["text"][:260] for row in csv.DictReader(handle)]
    with (data_dir / "tweets_kind_dev.csv").open(encoding="utf-8", newline="") as handle:
        tweets = [row["text"][:260] for row in csv.DictReader(handle)]
    return complaints, tweets


def vary(text: str, rng: random.Random) -> str:
    """Return text with some slang, other numbers and maybe a trailing remark."""
    words = text.split()
    for i, word in enumerate(words):
        if word.lower() in SLANG and rng.random() < 0.4:
            words[i] = SLANG[word.lower()]
        elif word.isdigit() and rng.random() < 0.6:
            words[i] = str(rng.randint(1, 300))
    if rng.random() < 0.3:
        words.append(rng.choice(REMARKS))
    return " ".join(words)


def snowflake(at: datetime, sequence: int) -> str:
    """Return an X id minted at `at` (ids carry their creation time)."""
    ms = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) + (sequence % 4096))


@dataclass
class Generator:
    """Makes a realistic, reproducible stream of mentions, oldest first."""

    complaints: list[str]
    tweets: list[str]
    rng: random.Random

    def __post_init__(self) -> None:
        self.made: list[dict[str, Any]] = []
        self.by_author: dict[str, list[dict[str, Any]]] = {}

    def mentions(self, count: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Return `count` tweet objects (some repeated later, as X's pages do), oldest first."""
        step = (end - start) / count
        out: list[dict[str, Any]] = []
        while len(out) < count:
            at = start + step * len(out)
            kind = self._kind()
            made = self._make(kind, at, len(out))
            for tweet in made[: count - len(out)]:
                out.append(tweet)
        return out

    def _kind(self) -> str:
        roll, total = self.rng.random(), 0.0
        for kind, share in MIX:
            total += share
            if roll < total:
                return kind
        return "complaint"

    def _author(self) -> str:
        return str(3_000_000_000 + self.rng.randrange(AUTHORS))

    def _earlier(self) -> dict[str, Any] | None:
        return self.rng.choice(self.made[-2000:]) if self.made else None

    def _make(self, kind: str, at: datetime, n: int) -> list[dict[str, Any]]:
        earlier = self._earlier()
        if kind == "replayed" and earlier is not None:
            return [earlier]  # a later page lists a tweet again
        if kind == "campaign":
            text = f"{HANDLE} {vary(self.rng.choice(self.complaints), self.rng)}"
            return [self._tweet(self._author(), text, at + timedelta(seconds=i), n + i) for i in range(6)]
        if kind in ("thread", "repeat", "edit", "remark") and earlier is not None:
            own = self.by_author.get(earlier["author_id"], [earlier])[-1]
            if kind == "thread":
                return [self._tweet(own["author_id"], f"{HANDLE} {vary(self.rng.choice(self.complaints), self.rng)}",
                                    at, n, conversation_id=own["conversation_id"],
                                    in_reply_to_user_id=own["author_id"],
                                    referenced_tweets=[{"type": "replied_to", "id": own["id"]}])]
            if kind == "repeat":
                return [self._tweet(own["author_id"], vary(own["text"], self.rng), at, n)]
            if kind == "remark":
                return [self._tweet(own["author_id"], f"{HANDLE} {self.rng.choice(REMARKS)}", at, n)]
            tweet = self._tweet(own["author_id"], f"{own['text']} (edit)", at, n)
            tweet["edit_history_tweet_ids"] = [*own["edit_history_tweet_ids"], tweet["id"]]
            return [tweet]
        if kind in ("retweet", "quote", "copy") and earlier is not None:
            author = self._author()
            if kind == "retweet":
                return [self._tweet(author, f"RT @user{earlier['author_id'][-4:]}: {earlier['text']}"[:280], at, n,
                                    referenced_tweets=[{"type": "retweeted", "id": earlier["id"]}])]
            if kind == "quote":
                return [self._tweet(author, f"{HANDLE} betul, di sini juga sama", at, n,
                                    referenced_tweets=[{"type": "quoted", "id": earlier["id"]}])]
            return [self._tweet(author, vary(earlier["text"], self.rng), at, n)]
        texts = self.tweets if kind == "tweet" else self.complaints
        return [self._tweet(self._author(), f"{HANDLE} {vary(self.rng.choice(texts), self.rng)}", at, n)]

    def _tweet(self, author: str, text: str, at: datetime, n: int, **fields: Any) -> dict[str, Any]:
        tweet_id = snowflake(at, n)
        tweet: dict[str, Any] = {
            "id": tweet_id, "text": text, "author_id": author,
            "conversation_id": fields.pop("conversation_id", tweet_id),
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": "in" if self.rng.random() < 0.85 else self.rng.choice(["en", "qme", "und"]),
            "edit_history_tweet_ids": [tweet_id], "reply_settings": "everyone",
            "entities": {"mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": ACCOUNT_ID}]},
            **fields,
        }
        self.made.append(tweet)
        self.by_author.setdefault(author, []).append(tweet)
        return tweet


def build_pages(tweets: list[dict[str, Any]]) -> list[bytes]:
    """Return the raw JSON bodies of mentions pages, newest page and tweet first, as X sends them."""
    newest_first = tweets[::-1]
    bodies = []
    for number, start in enumerate(range(0, len(newest_first), PAGE_SIZE)):
        data = newest_first[start : start + PAGE_SIZE]
        authors = sorted({t["author_id"] for t in data})
        meta: dict[str, Any] = {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        if start + PAGE_SIZE < len(newest_first):
            meta["next_token"] = f"token{number + 1:06d}"
        includes = {"users": [{"id": a, "name": f"Warga {a[-4:]}", "username": f"warga_{a[-6:]}"} for a in authors]}
        bodies.append(json.dumps({"data": data, "includes": includes, "meta": meta}).encode())
    return bodies


# --- the two measurements ----------------------------------------------------------------------
def floor_sqlite(bodies: list[bytes], path: Path) -> float:
    """Parse the pages and insert one plain row per mention; return the seconds taken."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE mention (tweet_id TEXT PRIMARY KEY, author_id TEXT, username TEXT, text TEXT,"
                       " created_at TEXT, raw_json TEXT)")
    sql = "INSERT OR IGNORE INTO mention VALUES (?, ?, ?, ?, ?, ?)"
    started = time.perf_counter()
    for body in bodies:
        with connection:
            connection.executemany(sql, _floor_rows(body))
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def floor_postgres(bodies: list[bytes], url: str) -> float:
    """Parse the pages and insert one plain row per mention with psycopg; return the seconds taken."""
    import psycopg

    with psycopg.connect(_libpq(url)) as connection:
        connection.execute("CREATE TABLE mention (tweet_id TEXT PRIMARY KEY, author_id TEXT, username TEXT,"
                           " text TEXT, created_at TEXT, raw_json TEXT)")
        connection.commit()
        sql = "INSERT INTO mention VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        started = time.perf_counter()
        for body in bodies:
            with connection.cursor() as cursor:
                cursor.executemany(sql, _floor_rows(body))
            connection.commit()
        return time.perf_counter() - started


def _floor_rows(body: bytes) -> list[tuple[str, ...]]:
    page = json.loads(body)
    users = {u["id"]: u.get("username") for u in page.get("includes", {}).get("users", [])}
    return [(t["id"], t["author_id"], users.get(t["author_id"]), t["text"], t["created_at"], json.dumps(t))
            for t in page.get("data", [])]


def run_pipeline(bodies: list[bytes], store: Store, config: QueueConfig) -> dict[str, int]:
    """Run raw pages through ingest and the reply queue into `store`; return the counts."""
    pages = [_page(body) for body in bodies]
    counts = ingest_tweets(store, _oldest_first(pages), account_id=ACCOUNT_ID, source="mentions", now=NOW,
                           answer_from=None)
    store.set_cursor(MENTIONS, max((t["id"] for p in pages for t in p.tweets), key=int), NOW)
    report = queue_replies(store, lambda: NOW, config)
    return {"stored": counts.stored, "already": counts.already_stored, "quarantined": counts.quarantined,
            "complaints": counts.complaints, "queued": report.queued, "skipped": report.skipped,
            **{f"link:{k}": v for k, v in sorted(counts.links.items())}}


def _page(body: bytes) -> Page:
    payload = json.loads(body)
    return Page(tweets=payload.get("data", []), includes=payload.get("includes", {}), errors=payload.get("errors", []),
                meta=payload.get("meta", {}))


# --- databases -------------------------------------------------------------------------------
@contextmanager
def sqlite_databases(folder: Path) -> Iterator[Callable[[str], tuple[str, Callable[[], None]]]]:
    """Yield a maker of fresh SQLite database URLs (and their cleanup) in `folder`."""
    yield lambda name: (f"sqlite:///{folder / (name + '.db')}", lambda: None)


@contextmanager
def postgres_databases(url: str) -> Iterator[Callable[[str], tuple[str, Callable[[], None]]]]:
    """Yield a maker of fresh PostgreSQL databases on the server at `url` (dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    made: list[str] = []

    def admin(sql: str) -> None:
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute(sql)

    def fresh(_name: str) -> tuple[str, Callable[[], None]]:
        name = f"lapor_bench_{uuid.uuid4().hex[:12]}"
        admin(f"CREATE DATABASE {name}")
        made.append(name)
        return make_url(url).set(database=name).render_as_string(hide_password=False), lambda: None

    try:
        yield fresh
    finally:
        for name in made:
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "password": parsed.password,
             "dbname": parsed.database or "postgres"}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)


# --- the report --------------------------------------------------------------------------------
STAGES = (
    ("parse pages", ("_page",)),
    ("normalise", ("normalise_tweet", "from_payload")),
    ("triage", ("triage_text",)),
    ("link (facts + decide)", ("facts_for", "facts_for_chunk", "decide_link")),
    ("queue replies", ("queue_replies",)),
)


def breakdown(profile: cProfile.Profile, total_name: str = "run_pipeline") -> list[tuple[str, float]]:
    """Return (stage, seconds) of a profiled pipeline run; 'store' is what ingest spent on the rest."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    for (_file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items():
        cumulative[name] = cumulative.get(name, 0.0) + ct
    stages = [(label, sum(cumulative.get(n, 0.0) for n in names)) for label, names in STAGES]
    ingest = cumulative.get("ingest_tweets", 0.0)
    inside = sum(seconds for label, seconds in stages if label in ("normalise", "triage", "link (facts + decide)"))
    stages.insert(4, ("store (save, flush, commit)", max(0.0, ingest - inside)))
    total = cumulative.get(total_name, 0.0)
    stages.append(("other", max(0.0, total - sum(s for _, s in stages))))
    return stages


def measure(label: str, bodies: list[bytes], databases: Any, floor: Callable[[str], float], rounds: int,
            profile: bool, config: QueueConfig) -> None:
    """Print the floor, the pipeline's rate and their ratio on one kind of database."""
    count = sum(len(json.loads(b).get("data", [])) for b in bodies)
    floors, rates, counts = [], [], {}
    for round_number in range(rounds):
        url, _ = databases(f"floor{round_number}")
        floors.append(count / floor(url))
        url, _ = databases(f"pipeline{round_number}")
        store = open_store(url)
        started = time.perf_counter()
        counts = run_pipeline(bodies, store, config)
        rates.append(count / (time.perf_counter() - started))
        store.close()
    floor_rate, rate = max(floors), max(rates)
    ratio = floor_rate / rate
    print(f"\n{label}: {count} mentions in {len(bodies)} pages (best of {rounds})")
    print(f"  raw floor (parse + executemany): {floor_rate:9.0f} mentions/s")
    print(f"  pipeline (pages -> complaints + queued replies): {rate:7.0f} mentions/s "
          f"({1e6 / rate:.0f} µs each; {'meets' if rate >= TARGET else 'BELOW'} the {TARGET}/s target)")
    print(f"  ratio floor/pipeline: {ratio:.1f}x ({'within' if ratio <= RATIO_TARGET else 'OUTSIDE'} "
          f"the {RATIO_TARGET:.0f}x target)")
    print("  outcome: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    if profile:
        url, _ = databases("profiled")
        store = open_store(url)
        profiler = cProfile.Profile()
        profiler.runcall(run_pipeline, bodies, store, config)
        store.close()
        stages = breakdown(profiler)
        total = sum(seconds for _, seconds in stages) or 1.0
        print(f"  where the time goes (cProfile, {1e6 * total / count:.0f} µs a mention under the profiler):")
        for stage, seconds in stages:
            print(f"    {stage:<28} {100 * seconds / total:5.1f} %  {1e6 * seconds / count:6.0f} µs/mention")


def main() -> None:
    """Generate the pages, then measure on SQLite and, if asked, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("LAPOR_BENCH_POSTGRES_URL", ""),
                        help="a PostgreSQL server URL (postgresql+psycopg://user@host:port/db)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled run and its breakdown")
    args = parser.parse_args()
    complaints, tweets = load_texts(args.data_dir)
    generator = Generator(complaints, tweets, random.Random(args.seed))
    tweets_made = generator.mentions(args.mentions, NOW - timedelta(hours=5), NOW - timedelta(minutes=1))
    bodies = build_pages(tweets_made)
    config = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://lapor.example.go.id/{tracking_number}"))
    open_store("sqlite://").close()  # load the models and rules before timing
    from ingest.triage import warm_up

    warm_up()  # as the bot does when it starts
    from ingest.compiled_core import loaded_compiled

    build = f"{len(loaded_compiled())} triage modules compiled with mypyc" if loaded_compiled() else "pure Python"
    print(f"pipeline throughput: {args.mentions} mentions, {sum(map(len, bodies)) / 1e6:.1f} MB of raw pages; "
          f"one process, one core; {build}")
    with tempfile.TemporaryDirectory(prefix="lapor-bench-") as folder, sqlite_databases(Path(folder)) as databases:
        measure("SQLite", bodies, databases, lambda url: floor_sqlite(bodies, Path(url.removeprefix("sqlite:///"))),
                args.rounds, not args.no_profile, config)
    if args.postgres:
        with postgres_databases(args.postgres) as databases:
            measure("PostgreSQL", bodies, databases, lambda url: floor_postgres(bodies, url), args.rounds,
                    not args.no_profile, config)
    else:
        print("\nPostgreSQL: skipped (give --postgres URL or LAPOR_BENCH_POSTGRES_URL)")


if __name__ == "__main__":
    main()
