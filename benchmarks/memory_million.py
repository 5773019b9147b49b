"""Measure the bot process's resident memory with 1,000,000 stored complaints (target: under 500 MB).

Usage: python benchmarks/memory_million.py [--complaints 1000000] [--db PATH] [--mentions 300]
                                           [--seconds 30] [--upgrade] [--trace]

It fills a real SQLite file (migrated by `open_store`) in bulk with complaints in steady state:
each with its first mention, its posted acknowledgement in the reply outbox, its entry in the
near-duplicate index (the rows `near_duplicates.rebuild` writes), its tracking-number counter,
its SLA breach recorded once it is overdue; a year of history in the mix of
benchmarks/console_queue.py with more varied texts. `--db` reuses a file that holds them.

Then it runs the bot's real main job as separate processes against the X API sandbox:
1. `lapor-bot run --once` answering `--mentions` new mentions (a fifth restate stored
   complaints): the child's peak RSS (its VmHWM at exit, see _WRAPPER) and wall time;
2. `lapor-bot run` every 5 s for `--seconds` while mentions keep arriving: VmRSS sampled every
   0.5 s, its peak (VmHWM) and steady level, then SIGTERM;
3. a driver process timing each job of one tick (with mentions, then idle) and the RSS after it
   (`--trace` adds tracemalloc's largest allocation sites);
4. with `--upgrade`, the one-off start of a bot whose near-duplicate index is empty (a copy of
   the file): index_missing indexes every complaint at start (slow: over 7 minutes at 1,000,000).
At most 90 replies are posted per 15 minutes (replies.post.POSTS_PER_WINDOW): the rest stay queued.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

TARGET_MB = 500.0
CHUNK = 10_000
TWITTER_EPOCH_MS = 1288834974657  # X API v2 reference, "Twitter IDs": snowflakes count from here
DETAILS = ("dekat rumah no {k}", "RT {a} RW {b}", "depan SD {k}", "samping masjid {place}", "gang {k}", "km {k}")
REPLY_COLUMNS = (
    "in_reply_to_tweet_id",
    "complaint_id",
    "author_id",
    "purpose",
    "language",
    "text",
    "has_link",
    "exclude_user_ids_json",
    "status",
    "attempts",
    "posted_tweet_id",
    "next_attempt_at",
    "created_at",
    "updated_at",
)
REPLY_SQL = f"INSERT INTO reply ({', '.join(REPLY_COLUMNS)}) VALUES ({', '.join('?' * len(REPLY_COLUMNS))})"


def main() -> int:
    """Fill (or reuse) the database, then measure the bot processes against it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="a SQLite file to fill (or reuse when it holds the complaints)")
    parser.add_argument("--mentions", type=int, default=300, help="new mentions answered by `run --once`")
    parser.add_argument("--seconds", type=float, default=30, help="how long the long-running bot is sampled")
    parser.add_argument("--upgrade", action="store_true", help="also start once with an empty near-duplicate index")
    parser.add_argument("--trace", action="store_true", help="print tracemalloc's top allocation sites per job")
    parser.add_argument("--driver", help=argparse.SUPPRESS)  # internal: the per-job driver process
    args = parser.parse_args()
    if args.driver:
        return drive(args.db, args.driver, args.trace)
    with tempfile.TemporaryDirectory(prefix="lapor-memory-bench-") as folder:
        path = args.db or Path(folder) / "million.db"
        fill(path, args.complaints)
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        print(
            f"database: {path}, {count(path, 'complaint'):,} complaints, {count(path, 'mention'):,} mentions, "
            f"{count(path, 'near_duplicate_text'):,} indexed, {size / 1e6:,.0f} MB on disk"
        )
        print(f"target: under {TARGET_MB:.0f} MB resident for the bot process")
        run_once(path, Path(folder), args.mentions, "run --once (steady state)")
        run_long(path, Path(folder), args.seconds)
        run_driver(path, args.trace)
        if args.upgrade:
            copy = Path(folder) / "upgrade.db"
            shutil.copyfile(path, copy)
            with sqlite3.connect(copy) as db:
                db.execute("DELETE FROM near_duplicate_band")
                db.execute("DELETE FROM near_duplicate_text")
            run_once(copy, Path(folder), args.mentions, "run --once with an empty near-duplicate index (upgrade)")
    return 0


# --- filling ---------------------------------------------------------------------------------


def count(path: Path, table: str) -> int:
    """Return how many rows a table holds."""
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - our table names


def fill(path: Path, total: int) -> None:
    """Create the schema and insert `total` complaints in steady state (skipped if they are there)."""
    from ingest.store.store import open_store

    open_store(f"sqlite:///{path}").close()
    stored = count(path, "complaint")
    if stored >= total and count(path, "near_duplicate_text") >= stored:
        return
    if stored:
        raise SystemExit(f"{path} holds {stored:,} complaints, not {total:,} indexed ones: give a new --db")
    started = time.perf_counter()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA synchronous = OFF")
        insert_rows(db, total)
        filled = time.perf_counter()
        index_texts(db)
        indexed = time.perf_counter()
        settle(db)
        # No ANALYZE: the bot never runs it, and its statistics change SQLite's plans (see the report).
    print(
        f"filled {path} with {total:,} complaints in {time.perf_counter() - started:.0f} s "
        f"(rows {filled - started:.0f} s, near-duplicate index {indexed - filled:.0f} s)"
    )


def insert_rows(db: sqlite3.Connection, total: int) -> None:
    """Insert the complaints, their first mentions and posted acknowledgements, and the counters."""
    import console_queue as cq
    from ingest.routing import load_routing
    from ingest.tracking import format_tracking_number, tracking_period

    cq.NOW = datetime.now(timezone.utc)  # _row reads it: a year of history up to today
    # Auto-forwarding forwards a verified complaint at once: in steady state none waits.
    cq.STATUS_MIX = tuple((("forwarded" if s == "verified" else s), w) for s, w in cq.STATUS_MIX)
    rng = random.Random(7)
    regions, routing = cq._regions(), load_routing()
    agencies = {a.id: a.name for a in routing.agencies}
    categories = sorted(routing.defaults)
    counters: dict[str, int] = {}
    for start in range(1, total + 1, CHUNK):
        complaints, mentions, replies = [], [], []
        for n in range(start, min(start + CHUNK, total + 1)):
            complaint, mention = (list(row) for row in cq._row(n, rng, regions, categories, routing.defaults, agencies))
            created = datetime.strptime(str(complaint[17]), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
            period = tracking_period(created)
            counters[period] = counters.get(period, 0) + 1
            tweet_id = str(((int(created.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) + n)
            text = _text(rng, complaint[21])
            complaint[1], complaint[2], complaint[5], complaint[6] = (
                format_tracking_number(period, counters[period]),
                tweet_id,
                tweet_id,
                text,
            )
            mention[0], mention[3], mention[6] = tweet_id, text, tweet_id
            complaints.append(complaint)
            mentions.append(mention)
            replies.append(_reply(n, tweet_id, complaint[3], complaint[1], complaint[17]))
        db.executemany(cq.COMPLAINT_SQL, complaints)
        db.executemany(cq.MENTION_SQL, mentions)
        db.executemany(REPLY_SQL, replies)
    # The acknowledgement of every first mention is queued (and posted) already.
    db.execute("UPDATE mention SET reply_state = 'queued'")
    db.execute("UPDATE complaint SET acknowledged_at = created_at")
    db.executemany("INSERT INTO tracking_counter (period, last) VALUES (?, ?)", sorted(counters.items()))
    db.commit()


def _text(rng: random.Random, region_name: object) -> str:
    """Return a varied complaint: a problem, a place, a detail, a duration (few texts repeat)."""
    import console_queue as cq

    detail = rng.choice(DETAILS).format(
        k=rng.randint(1, 300), a=rng.randint(1, 20), b=rng.randint(1, 12), place=rng.choice(cq.PLACES)
    )
    where = f", {region_name}" if region_name else ""
    return (
        f"@lapor1708 {rng.choice(cq.PROBLEMS).capitalize()} di {rng.choice(cq.PLACES)} {detail}{where} "
        f"sudah {rng.randint(2, 30)} {rng.choice(('hari', 'minggu', 'bulan'))}, mohon ditindaklanjuti."
    )


def _reply(n: int, tweet_id: str, author_id: object, tracking: object, at: object) -> tuple[object, ...]:
    text = (
        f"Terima kasih, laporan Anda kami terima dengan nomor {tracking}. "
        f"Pantau tindak lanjutnya di https://lapor.example/status/{tracking}"
    )
    return (
        tweet_id,
        n,
        author_id,
        "acknowledgement",
        "id",
        text,
        True,
        "[]",
        "posted",
        1,
        str(int(tweet_id) + 1_000_000),
        at,
        at,
        at,
    )


def index_texts(db: sqlite3.Connection) -> None:
    """Index every complaint as `near_duplicates.rebuild` does: texts, then band keys in key order."""
    from ingest.dedupe import SIGNATURE_VERSION, signatures

    db.execute("DROP INDEX IF EXISTS ix_near_duplicate_band_complaint_id")
    ids: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    last = 0
    while rows := db.execute(
        "SELECT id, text FROM complaint WHERE id > ? ORDER BY id LIMIT ?", (last, CHUNK)
    ).fetchall():
        signed = signatures([text for _, text in rows])
        db.executemany(
            "INSERT INTO near_duplicate_text (complaint_id, version, text) VALUES (?, ?, ?)",
            [(cid, SIGNATURE_VERSION, s.text) for (cid, _), s in zip(rows, signed)],
        )
        keyed = [(cid, s.band_keys) for (cid, _), s in zip(rows, signed) if s.band_keys]
        ids.append(np.repeat(np.array([cid for cid, _ in keyed], dtype=np.int64), len(keyed[0][1])))
        keys.append(np.array([k for _, k in keyed], dtype=np.int64).ravel())
        last = rows[-1][0]
    all_keys, all_ids = np.concatenate(keys), np.concatenate(ids)
    order = np.lexsort((all_ids, all_keys))  # the primary key's order: appends to the B-tree
    for start in range(0, len(order), 200_000):
        part = order[start : start + 200_000]
        db.executemany(
            "INSERT INTO near_duplicate_band (band_key, complaint_id) VALUES (?, ?)",
            zip(all_keys[part].tolist(), all_ids[part].tolist()),
        )
    db.execute("CREATE INDEX ix_near_duplicate_band_complaint_id ON near_duplicate_band (complaint_id)")
    db.commit()


def settle(db: sqlite3.Connection) -> None:
    """Do what the SLA job did over the past year: breaches recorded once, responded ones auto-closed."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    db.execute(
        "INSERT INTO sla_breach (complaint_id, stage, deadline, detected_at, notified) "
        "SELECT id, due_stage, due_at, due_at, '' FROM complaint "
        "WHERE due_stage IN ('verify', 'respond') AND due_at < ?",
        (now,),
    )
    db.execute(
        "UPDATE complaint SET status = 'closed', closed_at = due_at, status_changed_at = due_at, "
        "due_stage = NULL, due_at = NULL "
        "WHERE status = 'responded' AND due_stage = 'close' AND due_at < ? AND needs_review = 0",
        (now,),
    )
    db.commit()


# --- the bot processes -------------------------------------------------------------------------


def new_mentions(sandbox: object, count_: int, seed: int, first: int = 0) -> None:
    """Add `count_` mentions: four fifths new complaints, one fifth restating a stored one."""
    from tests.faults.conftest import complaint_text

    rnd = random.Random(seed)
    for n in range(first, first + count_):
        if n % 5 == 4:
            text = _text(rnd, None)
        else:
            text = complaint_text(n, rnd)
        sandbox.add_mention(text.replace("@lapor1708 ", ""), author=f"warga_{os.getpid()}_{seed}_{n}")  # type: ignore[attr-defined]


def bot_env(path: Path, sandbox_url: str, **extra: str) -> dict[str, str]:
    """Return the child's environment: only what the bot needs, so no .env or shell setting leaks in."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        {
            "LAPOR_DATABASE_URL": f"sqlite:///{path}",
            "X_API_BASE_URL": sandbox_url,
            "LAPOR_BACKFILL_HOURS": "24",
            "LAPOR_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO_ROOT),
        },
        **extra,
    )
    return env


def _sandbox() -> object:
    from bot.sandbox import Sandbox
    from tests.faults.conftest import LIMITS

    return Sandbox(samples=False, rate_limits=LIMITS, mentions_cap=800).start()


def run_once(path: Path, folder: Path, mentions: int, title: str) -> None:
    """Run `lapor-bot run --once` in a child answering `mentions` new mentions; print its peak RSS."""
    sandbox = _sandbox()
    try:
        new_mentions(sandbox, mentions, seed=len(title))
        with (folder / "once.log").open("w+") as log:
            started = time.perf_counter()
            child = subprocess.Popen(
                _bot_command("--once"), cwd=folder, stdout=log, stderr=log, env=bot_env(path, sandbox.url)
            )  # type: ignore[attr-defined]
            child.wait()
            elapsed = time.perf_counter() - started
            log.seek(0)
            output = log.read()
    finally:
        sandbox.stop()  # type: ignore[attr-defined]
    if child.returncode:
        print(output, file=sys.stderr)
        raise SystemExit(f"lapor-bot run --once failed ({child.returncode})")
    peak = _peak_at_exit(output)
    print(f"{title}: wall {elapsed:.1f} s, peak RSS {peak:.0f} MB {_verdict(peak)}\n    {_this_run(output)}")


# `lapor-bot run` with one addition: at exit it prints its own peak RSS (VmHWM, reset by exec).
# getrusage's ru_maxrss would not do: Linux carries the parent's high-water mark into a child
# across (v)fork and exec, so after the fill it reports the benchmark's peak, not the bot's.
_WRAPPER = (
    "import atexit, runpy, sys\n"
    "def hwm():\n"
    "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "    print('bench-peak-kib', line.split()[1], file=sys.stderr, flush=True)\n"
    "atexit.register(hwm)\n"
    "sys.argv = ['lapor-bot', 'run'] + sys.argv[1:]\n"
    "runpy.run_module('bot.cli', run_name='__main__')\n"
)


def _bot_command(*args: str) -> list[str]:
    return [sys.executable, "-c", _WRAPPER, *args]


def _peak_at_exit(output: str) -> float:
    """Return the peak RSS in MB the wrapped bot printed at exit."""
    kib = next(line.split()[1] for line in output.splitlines() if line.startswith("bench-peak-kib"))
    return int(kib) / 1024


def _this_run(output: str) -> str:
    """Return the summary's "this run:" line (mentions read, complaints opened, replies queued/posted)."""
    return next((line for line in output.splitlines() if line.startswith("this run:")), "no summary printed")


def _verdict(mb: float) -> str:
    return "ok" if mb < TARGET_MB else "OVER"


def run_long(path: Path, folder: Path, seconds: float) -> None:
    """Run `lapor-bot run` every 5 s while mentions arrive; sample its VmRSS every 0.5 s, then SIGTERM."""
    sandbox = _sandbox()
    log = (folder / "run.log").open("w+")
    child = subprocess.Popen(
        _bot_command(), cwd=folder, stdout=log, stderr=log, env=bot_env(path, sandbox.url, LAPOR_POLL_SECONDS="5")
    )  # type: ignore[attr-defined]
    samples: list[tuple[float, float]] = []
    added, started = 0, time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            if elapsed >= 2 * added / 20:  # about ten mentions a second, after the first sample
                new_mentions(sandbox, 20, seed=added, first=10_000 + added)
                added += 20
            samples.append((elapsed, _status(child.pid, "VmRSS")))
            time.sleep(0.5)
        hwm = _status(child.pid, "VmHWM")
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)
        sandbox.stop()  # type: ignore[attr-defined]
    log.seek(0)
    output = log.read()
    steady = statistics.median(mb for at, mb in samples if at >= seconds / 2)
    peak = max(hwm, _peak_at_exit(output))  # the exit (final summary) included
    print(
        f"run (every 5 s for {seconds:.0f} s, {added} mentions added, {output.count(' new mentions, ')} polls): "
        f"peak RSS {peak:.0f} MB {_verdict(peak)} (before SIGTERM {hwm:.0f} MB), "
        f"steady {steady:.0f} MB (median of the last half)"
        f"\n    {_this_run(output)}"
    )


def _status(pid: int, field: str) -> float:
    """Return a /proc/<pid>/status field in MB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def run_driver(path: Path, trace: bool) -> None:
    """Run the per-job driver in a child against a sandbox with mentions; print what it measured."""
    sandbox = _sandbox()
    try:
        new_mentions(sandbox, 300, seed=99, first=50_000)
        command = [sys.executable, str(Path(__file__).resolve()), "--db", str(path), "--driver", sandbox.url]  # type: ignore[attr-defined]
        done = subprocess.run(
            command + (["--trace"] if trace else []),
            capture_output=True,
            text=True,
            env=bot_env(path, sandbox.url, LAPOR_LOG_LEVEL="WARNING"),
        )  # type: ignore[attr-defined]
    finally:
        sandbox.stop()  # type: ignore[attr-defined]
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        raise SystemExit("the driver failed")
    print(done.stdout, end="")


def drive(path: Path, sandbox_url: str, trace: bool) -> int:
    """In this process: build the bot, run each job of one tick (300 mentions) and of an idle tick."""
    import tracemalloc

    if trace:
        tracemalloc.start(12)
    from bot.settings import load_settings
    from bot.wiring import build_bot

    def stage(name: str, job: object = None) -> None:
        started = time.perf_counter()
        if job is not None:
            job()  # type: ignore[operator]
        ms = (time.perf_counter() - started) * 1000
        traced = ""
        if trace:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            traced = f"   traced {current / 1e6:6.1f} MB, peak {peak / 1e6:6.1f} MB"
        print(f"  {name:<26} {ms:8.0f} ms   RSS {_status(os.getpid(), 'VmRSS'):5.0f} MB{traced}")

    print("per job (a driver process building the bot as `lapor-bot run` does):")
    stage("imports")
    holder: dict[str, object] = {}
    stage("build_bot (index check)", lambda: holder.update(bot=build_bot(load_settings(os.environ))))
    bot = holder["bot"]
    for tick in ("with 300 mentions", "idle"):
        started = time.perf_counter()
        for job in ("poll", "sla", "forward", "send", "retention"):
            stage(f"{job} ({tick})", getattr(bot, job))
        print(f"  tick {tick}: {(time.perf_counter() - started) * 1000:.0f} ms")
    if trace:
        for line in tracemalloc.take_snapshot().statistics("lineno")[:10]:
            print(f"    {line}")
    print(f"  peak RSS of the driver (VmHWM): {_status(os.getpid(), 'VmHWM'):.0f} MB")
    bot.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
