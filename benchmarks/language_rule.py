"""Measure when the word rule may overrule X's language tag without asking langdetect.

Usage: python benchmarks/language_rule.py [DATA_DIR]

DATA_DIR defaults to ../shared/data next to the repository. Every dev text (the labelled
tweets, and the complaints cut to a post's length) is Indonesian. Each is read as if X had
tagged it "en", the mistake X makes on mixed Indonesian and English posts. For the long texts
whose word count points to Indonesian, it prints, by the word rule's confidence:
- how often langdetect, asked as before, overrules X (very sure that the text is Indonesian);
- how many langdetect calls `ingest.language.RULE_OVERRULES_X` saves, and what they cost.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest import language  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
BANDS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


def _texts(data_dir: Path) -> list[str]:
    with (data_dir / "tweets_kind_dev.csv").open(encoding="utf-8", newline="") as handle:
        tweets = [row["text"] for row in csv.DictReader(handle)]
    with (data_dir / "complaints_dev.csv").open(encoding="utf-8", newline="") as handle:
        complaints = [row["text"][:280] for row in csv.DictReader(handle)]
    return tweets + complaints


def main() -> None:
    """Print langdetect's agreement with the word rule by confidence band, and the time saved."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    language.load_langdetect()
    asked, agreed, seconds = Counter[tuple[float, float]](), Counter[tuple[float, float]](), 0.0
    texts = _texts(args.data_dir)
    for text in texts:
        cleaned = language.strip_for_detection(text)
        if sum(map(len, language._WORD.findall(cleaned))) < language.MIN_LETTERS_FOR_LANGDETECT:
            continue
        rule = language._language_by_rule(cleaned)
        if rule is None or rule.code != "id":
            continue
        band = next(band for band in BANDS if band[0] <= rule.confidence < band[1] or band[1] == 1.0)
        started = time.perf_counter()
        guess = language._langdetect(cleaned)
        seconds += time.perf_counter() - started if rule.confidence >= language.RULE_OVERRULES_X else 0.0
        asked[band] += 1
        agreed[band] += guess is not None and guess.code == "id" and guess.confidence >= language.OVERRULE_PROBABILITY
    print(f"{len(texts)} Indonesian dev texts read as tagged 'en'; long texts the word rule calls Indonesian:")
    print(f"  {'rule confidence':<16} {'texts':>6} {'langdetect overrules X':>24}")
    for band in BANDS:
        if asked[band]:
            share = agreed[band] / asked[band]
            print(f"  {band[0]:.1f}–{band[1]:.1f}{'':<9} {asked[band]:>6} {agreed[band]:>10} ({share:6.1%})")
    saved = sum(count for band, count in asked.items() if band[0] >= language.RULE_OVERRULES_X)
    total = sum(asked.values())
    print(f"  at RULE_OVERRULES_X = {language.RULE_OVERRULES_X}: {saved} of {total} langdetect calls saved"
          f" ({saved / total:.0%}), {1e3 * seconds / max(saved, 1):.2f} ms each")


if __name__ == "__main__":
    main()
