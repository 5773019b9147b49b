"""Measure the triage of one mention: mentions per second on one core, load time, memory.

    python benchmarks/triage_speed.py [DATA_DIR] [--rounds N]

DATA_DIR defaults to ../shared/data next to the repository. The texts are the labelled
tweets plus real complaints cut to a post's length (280 characters), triaged as mentions:
with X's language tag ("in", the common case) and without one (as `lapor-bot classify
--jsonl` sees them). The target is at least 2,000 mentions per second. It says whether the
triage's modules are compiled (`make compiled`, scripts/compile_core.py) or pure Python.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
TARGET = 2000


def read_texts(data_dir: Path) -> list[str]:
    """Return the labelled tweets, then the complaints cut to a post's length."""
    with (data_dir / "tweets_kind_dev.csv").open(encoding="utf-8") as handle:
        tweets = [row["text"] for row in csv.DictReader(handle)]
    with (data_dir / "complaints_dev.csv").open(encoding="utf-8") as handle:
        complaints = [row["text"][:280] for row in csv.DictReader(handle)]
    return tweets + complaints


def _rate(texts: list[str], lang: str | None, rounds: int) -> float:
    from ingest.triage import triage_text

    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            triage_text(text, lang)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def _build() -> str:
    from ingest.compiled_core import MODULES, loaded_compiled

    compiled = loaded_compiled()
    if not compiled:
        return "pure Python (`make compiled` builds them with mypyc)"
    return f"{len(compiled)} of {len(MODULES)} compiled with mypyc (scripts/compile_core.py)"


def main() -> None:
    """Print load time, mentions per second with and without X's tag, and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = read_texts(args.data_dir)
    started = time.perf_counter()
    from ingest.triage import triage_text, warm_up

    warm_up()
    triage_text("the road in front of my house has been broken for months", None)
    loaded = time.perf_counter() - started
    print(f"triage of {len(texts)} texts ({sum(map(len, texts)) / len(texts):.0f} characters on average)")
    print(f"  load (rules, gazetteer, routing, model, first call): {loaded:.2f} s")
    print(f"  triage modules: {_build()}")
    for label, lang in (("with X's lang tag", "in"), ("without a tag", None)):
        rate = _rate(texts, lang, args.rounds)
        verdict = "meets" if rate >= TARGET else "BELOW"
        print(f"  {label:<20} {rate:8.0f} mentions/s ({1e6 / rate:.0f} µs each; {verdict} the {TARGET}/s target)")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak resident memory of this process: {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
