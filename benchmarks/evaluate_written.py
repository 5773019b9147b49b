"""Measure the triage on mentions the team wrote and labelled: English, and Sumatera Barat.

Usage: python benchmarks/evaluate_written.py [--errors]

The shared data is real but has almost no English (8 of the 654 labelled tweets) and nothing
from Sumatera Barat, the pilot province. So four sets of mentions to @lapor1708 were written
and labelled by the team, each by a writer who saw only the kind and category definitions
(kinds.csv, categories.csv), never the keyword table or the other sets:

- english_mentions_dev.jsonl (150) and sumbar_mentions_dev.jsonl (200): keywords and regional
  spellings were added while reading their errors, so their figures are optimistic;
- english_mentions_test.jsonl (160) and sumbar_mentions_test.jsonl (200): kept apart; nothing
  was tuned on them.

The Sumatera Barat sets are informal Indonesian, about a quarter mixed with or written in
Minang. Each line is {"id", "text", "kind", "category"}; category is empty for kinds that
take none. They are triaged with the tag X gives such posts ("en", "in"). Written texts are
not real tweets: these figures say how the triage copes with the language, not how it does
on real traffic. For comparison, the English sets also show what the Indonesian path would
decide (the combined model reading the text and the rules' evidence), which is what every
English mention got before the rules decided English alone. `--errors` lists the mistakes on
the kept-apart sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.evaluate_rules import per_class, print_matrix, print_per_class, print_summary  # noqa: E402
from ingest.classify import NO_CATEGORY, classify  # noqa: E402
from ingest.decide import decide  # noqa: E402
from ingest.model import predict  # noqa: E402
from ingest.triage import triage_text  # noqa: E402

DATA = REPO_ROOT / "benchmarks" / "data"
SETS = (  # (title, file, X's language tag, compare with the Indonesian path, kept apart)
    ("English, dev (keywords written reading it)", "english_mentions_dev.jsonl", "en", True, False),
    ("English, test (kept apart)", "english_mentions_test.jsonl", "en", True, True),
    ("Sumatera Barat, dev (keywords and spellings written reading it)", "sumbar_mentions_dev.jsonl", "in", False, False),
    ("Sumatera Barat, test (kept apart)", "sumbar_mentions_test.jsonl", "in", False, True),
)


def read_set(path: Path) -> list[dict[str, str]]:
    """Return the labelled rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def as_indonesian(text: str) -> tuple[str, str]:
    """Return the kind and category the Indonesian path (model plus rules) gives a text."""
    decision = decide(text, "id", classify(text, "id"), predict(text))
    return decision.kind, decision.category


def report(title: str, rows: list[dict[str, str]], found: list[tuple[str, str]]) -> None:
    """Print kind accuracy and macro-F1, pengaduan precision/recall and category accuracy."""
    gold = [row["kind"] for row in rows]
    kinds = [kind for kind, _ in found]
    print_summary(f"kind, {title}", gold, kinds)
    precision, recall, _, _ = per_class(gold, kinds).get("pengaduan", (0.0, 0.0, 0.0, 0))
    print(f"  pengaduan precision={precision:.3f} recall={recall:.3f}")
    scored = [(row["category"], category) for row, (kind, category) in zip(rows, found)
              if row["category"] and kind == row["kind"]]
    right = sum(g == p for g, p in scored)
    print(f"  category right on {right} of the {len(scored)} complaints and suggestions whose kind is right"
          f" ({right / max(1, len(scored)):.3f})")


def main() -> None:
    """Print the figures of every set; for the kept-apart ones also per kind and a confusion matrix."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the kept-apart sets' mistakes")
    args = parser.parse_args()
    for title, name, tag, compare, kept_apart in SETS:
        rows = read_set(DATA / name)
        print(f"\n== {title}: {name}, {len(rows)} mentions ==")
        triages = [triage_text(row["text"], tag) for row in rows]
        found = [(t.kind, t.category if t.kind in ("pengaduan", "aspirasi") else NO_CATEGORY) for t in triages]
        report("the triage", rows, found)
        if compare:
            report("Indonesian path", rows, [as_indonesian(row["text"]) for row in rows])
        review = sum(t.needs_review for t, (kind, _) in zip(triages, found) if kind == "pengaduan")
        print(f"  complaints sent to an officer's review (confidence under 0.5 or a flag): {review} of "
              f"{sum(kind == 'pengaduan' for kind, _ in found)}")
        if kept_apart:
            print("-- the triage, per kind --")
            print_per_class([row["kind"] for row in rows], [kind for kind, _ in found])
            print_matrix([row["kind"] for row in rows], [kind for kind, _ in found])
            if args.errors:
                for row, (kind, category) in zip(rows, found):
                    if (kind, category) != (row["kind"], row["category"] or NO_CATEGORY):
                        print(f"  {row['kind']}/{row['category']} -> {kind}/{category}: {row['text'][:90]}")


if __name__ == "__main__":
    main()
