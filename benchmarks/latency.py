"""Measure the time from a mention appearing on X to its acknowledgement being posted.

    python benchmarks/latency.py [--seconds 60] [--poll-seconds 5] [--seed 1708]

The bot's real scheduler (bot.scheduler.build_scheduler, every job, LAPOR_POLL_SECONDS) runs
against the X API sandbox over loopback HTTP with a SQLite file in a temporary folder. A
complaint is added to the sandbox at random moments (seeded); the time until the sandbox
records the acknowledgement under it is measured. Target: p95 within the poll interval + 2 s.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.sandbox import Sandbox  # noqa: E402
from bot.scheduler import build_scheduler  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.wiring import build_bot  # noqa: E402
from tests.faults.conftest import LIMITS, complaint_text  # noqa: E402


class PostWatcher:
    """Note when each reply target first shows up in the sandbox's posts."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for post in self.sandbox.posts[len(self.seen):]:
                self.seen.setdefault(str(post["in_reply_to_tweet_id"]), now)
            time.sleep(0.005)


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long mentions keep arriving")
    parser.add_argument("--poll-seconds", type=int, default=5, help="LAPOR_POLL_SECONDS (at least 5)")
    parser.add_argument("--seed", type=int, default=1708)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder, Sandbox(samples=False, rate_limits=LIMITS) as sandbox:
        settings = load_settings({"X_API_BASE_URL": sandbox.url, "LAPOR_POLL_SECONDS": str(args.poll_seconds),
                                  "LAPOR_DATABASE_URL": f"sqlite:///{Path(folder) / 'lapor.db'}"})
        bot = build_bot(settings)
        watcher = PostWatcher(sandbox)
        watcher.thread.start()
        scheduler = build_scheduler(bot)
        scheduler.start()
        added: dict[str, float] = {}
        try:
            end = time.monotonic() + args.seconds
            while time.monotonic() < end:
                time.sleep(rnd.expovariate(1 / 1.5))  # about one mention every 1.5 s
                n = len(added)
                tweet_id = sandbox.add_mention(complaint_text(n, rnd), author=f"warga_latensi_{n}")
                added[tweet_id] = time.monotonic()
            deadline = time.monotonic() + 3 * args.poll_seconds + 10
            while set(added) - set(watcher.seen) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            scheduler.shutdown(wait=True)
            watcher.stop.set()
            bot.close()
    latencies = [watcher.seen[t] - at for t, at in added.items() if t in watcher.seen]
    missing = len(added) - len(latencies)
    target = args.poll_seconds + 2
    if not latencies:
        print("no acknowledgement was posted")
        return 1
    p95 = percentile(latencies, 0.95)
    print(f"mention → acknowledgement latency, poll every {args.poll_seconds} s, {len(latencies)} mentions "
          f"over {args.seconds:.0f} s (seed {args.seed}):")
    print(f"  p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s; "
          f"target p95 ≤ {target:.0f} s: {'met' if p95 <= target else 'NOT met'}"
          + (f"; {missing} never acknowledged" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
