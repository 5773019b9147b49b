"""Measure near-duplicate decisions against hand-labelled pairs.

Usage: python benchmarks/dedupe_pairs.py [DATA_DIR] [--errors]

DATA_DIR defaults to ../shared/data next to the repository. The pairs are in
benchmarks/data/dedupe_pairs.csv (columns a, b, same_problem, note). A cell of a or b is either
an id from complaints_dev.csv or tweets_kind_dev.csv (its text, category and kecamatan are read
from DATA_DIR) or a text written for this set. The note starts with the pair's kind:

- same problem: repost, edit and follow-up (one sender again: word for word, with changes, or
  retold), copy, slang, order, paraphrase and question (another citizen);
- not the same: other number, other place, other name, other problem (same template or place,
  one detail differs) and generic (texts too plain to tell one place from another). A note
  with "(same sender)" marks a negative that one sender wrote both halves of.

Pairs marked "[holdout]" were sampled and labelled after the thresholds and word lists were
fixed, and are reported apart as well: the rest served to tune them.

Each pair is decided the way the bot decides a new mention: b is the new one, a the stored
complaint. Pairs of one sender are decided as one author (a `repeat`; the author's own open
complaints are always candidates, so no LSH band is needed); the others as two authors (a
`related`), which must first share an LSH band (what the store's candidate query needs).
Two settings are measured: "metadata" gives each text its category and kecamatan from the data
(the bot has a category and sometimes a region), "text only" gives neither.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.dedupe import Thresholds, decide_near_duplicate, make_candidate, signature  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
PAIRS = Path(__file__).resolve().parent / "data" / "dedupe_pairs.csv"
SAME_AUTHOR_KINDS = frozenset({"repost", "edit", "follow-up"})
SAME_SENDER = "(same sender)"
HOLDOUT = "[holdout]"
SURABAYA = "35.78"
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Text:
    """One side of a pair with what the data says about it."""

    text: str
    category: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Pair:
    a: Text
    b: Text
    same: bool
    kind: str
    one_author: bool
    holdout: bool
    label: str


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_texts(data_dir: Path) -> dict[str, Text]:
    """Index the data set's texts by id, with category and the most precise region known."""
    kecamatan = {
        (row["parent_code"], row["name"].casefold()): row["code"]
        for row in read_rows(data_dir / "regions.csv")
        if row["level"] == "3"
    }
    texts = {}
    for row in read_rows(data_dir / "complaints_dev.csv"):
        region = row["region_code"] or None
        if region == SURABAYA and row["district"]:
            region = kecamatan.get((SURABAYA, row["district"].casefold()), region)
        texts[row["id"]] = Text(row["text"], row["category"] or None, region)
    for row in read_rows(data_dir / "tweets_kind_dev.csv"):
        texts[row["id"]] = Text(row["text"], row["category"] or None)
    return texts


def load_pairs(path: Path, texts: dict[str, Text]) -> list[Pair]:
    """Return the labelled pairs with their texts (written texts have no category or region)."""
    pairs = []
    for row in read_rows(path):
        kind = row["note"].split(":", 1)[0].strip()
        a, b = (texts.get(row[side], Text(row[side])) for side in ("a", "b"))
        one_author = kind in SAME_AUTHOR_KINDS or SAME_SENDER in row["note"]
        pairs.append(Pair(a, b, row["same_problem"] == "1", kind, one_author, HOLDOUT in row["note"],
                          f"{row['a'][:40]} | {row['b'][:40]}"))
    return pairs


def predict(pair: Pair, thresholds: Thresholds, metadata: bool) -> tuple[bool, str]:
    """Return whether the bot would link b to a, and the reason it gives."""
    if not pair.one_author and not shares_band(pair):
        return False, "no shared LSH band"
    old, new = (
        make_candidate(
            number, "citizen-1" if pair.one_author or number == 1 else "citizen-2", side.text, T0 + timedelta(days=number),
            category=side.category if metadata else None, region_code=side.region_code if metadata else None,
        )
        for number, side in ((1, pair.a), (2, pair.b))
    )
    found = decide_near_duplicate(new, [old], thresholds)
    return (found is not None, found.reason if found else "no match")


def shares_band(pair: Pair) -> bool:
    """Return whether the store's candidate query could find a for b."""
    return bool(set(signature(pair.a.text).band_keys) & set(signature(pair.b.text).band_keys))


def scores(pairs: Sequence[Pair], predicted: Sequence[bool]) -> tuple[float, float, int, int, int]:
    """Return precision, recall, true positives, false positives and false negatives."""
    tp = sum(p.same and y for p, y in zip(pairs, predicted))
    fp = sum(not p.same and y for p, y in zip(pairs, predicted))
    fn = sum(p.same and not y for p, y in zip(pairs, predicted))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, tp, fp, fn


def evaluate(pairs: Sequence[Pair], thresholds: Thresholds, metadata: bool) -> list[tuple[bool, str]]:
    return [predict(pair, thresholds, metadata) for pair in pairs]


def print_summary(title: str, pairs: Sequence[Pair], results: Sequence[tuple[bool, str]]) -> None:
    precision, recall, tp, fp, fn = scores(pairs, [y for y, _ in results])
    print(f"{title:<28} precision={precision:.3f}  recall={recall:.3f}  (tp={tp} fp={fp} fn={fn})")


def print_by_kind(pairs: Sequence[Pair], results: Sequence[tuple[bool, str]]) -> None:
    linked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for pair, (yes, _) in zip(pairs, results):
        total[pair.kind, pair.same] += 1
        linked[pair.kind, pair.same] += yes
    print(f"  {'kind':<15}{'label':>6}{'pairs':>7}{'linked':>8}")
    for kind, same in sorted(total, key=lambda k: (not k[1], k[0])):
        print(f"  {kind:<15}{'same' if same else 'other':>6}{total[kind, same]:>7}{linked[kind, same]:>8}")


def print_sweep(pairs: Sequence[Pair], base: Thresholds, name: str, values: Iterable[float | int]) -> None:
    """Print precision and recall, with and without metadata, as one threshold moves."""
    print(f"  {name[:8]:>8}{'precision':>11}{'recall':>8}{'fp':>5}{'fn':>5}   {'text only: precision':>21}{'recall':>8}")
    for value in values:
        thresholds = replace(base, **{name: value})
        found = [
            scores(pairs, [y for y, _ in evaluate(pairs, thresholds, metadata)]) for metadata in (True, False)
        ]
        (p1, r1, _, fp, fn), (p2, r2, *_) = found
        mark = " <- default" if value == getattr(base, name) else ""
        print(f"  {value:>8}{p1:>11.3f}{r1:>8.3f}{fp:>5}{fn:>5}   {p2:>21.3f}{r2:>8.3f}{mark}")


def print_errors(pairs: Sequence[Pair], results: Sequence[tuple[bool, str]]) -> None:
    for pair, (yes, reason) in zip(pairs, results):
        if yes != pair.same:
            print(f"  {'FP' if yes else 'FN'} {pair.kind:<13} {pair.label}  -> {reason}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--errors", action="store_true", help="list every wrong decision with its reason")
    args = parser.parse_args(argv)
    pairs = load_pairs(args.pairs, load_texts(args.data_dir))
    thresholds = Thresholds()
    print(f"{len(pairs)} pairs: {sum(p.same for p in pairs)} same problem, {sum(not p.same for p in pairs)} not")
    print(f"thresholds: repeat={thresholds.repeat} related={thresholds.related} "
          f"min_shared_specific={thresholds.min_shared_specific}")
    others = [p for p in pairs if p.same and not p.one_author]
    print(f"LSH recall (two-author same-problem pairs sharing a band): {sum(map(shares_band, others))}/{len(others)}")
    with_metadata = evaluate(pairs, thresholds, True)
    print_summary("metadata (category, region)", pairs, with_metadata)
    text_only = evaluate(pairs, thresholds, False)
    print_summary("text only", pairs, text_only)
    held = [i for i, p in enumerate(pairs) if p.holdout]
    print_summary(f"holdout only ({len(held)} pairs)", [pairs[i] for i in held], [with_metadata[i] for i in held])
    print_summary("tuning pairs only", [p for p in pairs if not p.holdout],
                  [r for p, r in zip(pairs, with_metadata) if not p.holdout])
    print("\nby kind (metadata):")
    print_by_kind(pairs, with_metadata)
    print(f"\nrelated threshold (repeat stays {thresholds.repeat}):")
    print_sweep(pairs, thresholds, "related", [0.70, 0.75, 0.80, 0.83, 0.86, 0.88, 0.90, 0.93, 0.96])
    print(f"\nrepeat threshold (related stays {thresholds.related}):")
    print_sweep(pairs, thresholds, "repeat", [0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95])
    print("\nshared specific words or details needed for related:")
    print_sweep(pairs, thresholds, "min_shared_specific", [0, 1, 2, 3, 4])
    if args.errors:
        print("\nwrong decisions (metadata):")
        print_errors(pairs, with_metadata)
        print("\nwrong decisions (text only):")
        print_errors(pairs, text_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
