"""Count the CPU instructions one triage takes, with valgrind's callgrind: a figure the machine's load does not move.

    python benchmarks/triage_instructions.py [DATA_DIR] [--texts 1000]

Timings on a shared machine vary by 15 % or more from one run to the next, which hides the
effect of most changes to the triage. Callgrind counts the instructions a program executes
instead, which the load of the machine does not change; with Python's hash seed fixed
(PYTHONHASHSEED=0 here) the same code and inputs give the same count run after run. This
script runs a fresh interpreter twice under callgrind: once loading the triage and reading
TEXTS texts (every nth of the labelled tweets and of the complaints cut to 280 characters),
once also triaging them with X's tag "in" and again without a tag. It prints the difference
per triage. It takes about two minutes; it needs valgrind (Debian: `apt install valgrind`)
and says so when it is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

from benchmarks.triage_speed import read_texts  # noqa: E402


def sample(data_dir: Path, count: int) -> list[str]:
    """Return `count` of triage_speed's texts, spread evenly over the tweets and the complaints."""
    texts = read_texts(data_dir)
    return texts[:: max(1, len(texts) // count)][:count]


def triage(data_dir: Path, count: int, run: bool) -> None:
    """Load the triage and the texts; if `run`, triage them with and without X's tag (under callgrind)."""
    from ingest.triage import triage_text, warm_up

    warm_up()
    texts = sample(data_dir, count)  # read in both runs, so only the triage differs
    for lang in ("in", None) if run else ():
        for text in texts:
            triage_text(text, lang)


def instructions(data_dir: Path, count: int, stage: str) -> int:
    """Return the instructions callgrind counted for one run ("load" or "triage")."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, str(data_dir), "--texts", str(count), "--inside", stage,
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    found = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    """Print the instructions per triage, or why they cannot be counted here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--inside", choices=("load", "triage"), help=argparse.SUPPRESS)  # a run under callgrind
    args = parser.parse_args()
    if args.inside:
        triage(args.data_dir, args.texts, run=args.inside == "triage")
        return 0
    if shutil.which("valgrind") is None:
        print("triage instructions: skipped, valgrind is not installed (Debian: apt install valgrind)")
        return 0
    import ingest.triage  # noqa: F401 - imported to see which build the runs below will load
    from ingest.compiled_core import loaded_compiled

    build = "compiled with mypyc" if loaded_compiled() else "pure Python"
    loading = instructions(args.data_dir, args.texts, "load")
    both = instructions(args.data_dir, args.texts, "triage")
    per_triage = (both - loading) / (2 * args.texts)
    print(f"triage instructions ({build}; {args.texts} texts, with X's tag and without, under callgrind)")
    print(f"  loading the triage and the texts: {loading / 1e6:,.0f} million instructions")
    print(f"  one triage: {per_triage / 1e6:.2f} million instructions on average")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
