"""Measure the region resolver against the labelled development complaints.

Usage: python benchmarks/evaluate_region.py [DATA_DIR]

DATA_DIR defaults to ../shared/data next to the repository. It reads complaints_dev.csv:
- surabaya2023 rows are all about Kota Surabaya (35.78) and carry the kecamatan the city
  recorded: how often the resolved regency is right, wrong or missing; how often a row
  resolves to another regency (the false-positive proxy); and the kecamatan accuracy on rows
  whose text names their labelled kecamatan;
- lapor2017 rows with a region_code: the same for the regency. That code is the routed
  agency's region, which is not always where the citizen is, so read it as a lower bound.
It also prints the speed (texts per second, one core) and precision by confidence band.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.gazetteer import load_gazetteer  # noqa: E402
from ingest.region import Region, resolve_region  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SURABAYA = "35.78"
BANDS = ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01))


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def regency_outcome(region: Region | None, gold: str) -> str:
    """Classify one result against a gold regency code."""
    if region is None:
        return "none"
    if region.regency_code is None:
        return "province only, right" if gold.startswith(region.province_code + ".") else "province only, wrong"
    return "right" if region.regency_code == gold else "wrong"


def print_outcomes(title: str, outcomes: Sequence[str]) -> None:
    counts = Counter(outcomes)
    total = len(outcomes)
    print(f"{title}  n={total}")
    for label in ("right", "wrong", "province only, right", "province only, wrong", "none"):
        print(f"  {label:<22}{counts[label]:>6}  {counts[label] / total:>7.1%}")
    named = counts["right"] + counts["wrong"]
    if named:
        print(f"  {'precision (regency)':<22}{counts['right'] / named:>14.1%}")


def print_bands(results: Sequence[tuple[Region | None, str]]) -> None:
    print("  precision of a named regency by confidence band:")
    for low, high in BANDS:
        band = [(r, g) for r, g in results if r and r.regency_code and low <= r.confidence < high]
        right = sum(r.regency_code == g for r, g in band)
        share = f"{right / len(band):.1%}" if band else "-"
        print(f"    [{low:.1f}, {min(high, 1.0):.1f})  n={len(band):>5}  right={share}")


def names_district(text: str, district: str) -> bool:
    """Tell whether a text names a kecamatan, as whole words, ignoring case."""
    pattern = r"(?<!\w)" + r"\s*".join(map(re.escape, district.split())) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def evaluate_surabaya(rows: list[dict[str, str]], results: list[Region | None]) -> None:
    print_outcomes(
        "== surabaya2023: regency (all rows are 35.78 Kota Surabaya) ==",
        [regency_outcome(r, SURABAYA) for r in results],
    )
    other = Counter(r.regency_code for r in results if r and r.regency_code and r.regency_code != SURABAYA)
    print(
        f"  false-positive proxy: {sum(other.values())} rows ({sum(other.values()) / len(rows):.1%})"
        f" resolve to a regency other than 35.78; most frequent:"
    )
    areas = load_gazetteer().areas
    print("    " + ", ".join(f"{code} {areas[code].short_name} ×{n}" for code, n in other.most_common(12)))
    print_bands(list(zip(results, [SURABAYA] * len(results))))
    codes = {a.short_name.casefold(): a.code for a in areas.values() if a.parent_code == SURABAYA}
    named = [
        (r, codes[row["district"].casefold()])
        for row, r in zip(rows, results)
        if row["district"] and names_district(row["text"], row["district"])
    ]
    right = sum(r is not None and r.district_code == gold for r, gold in named)
    missing = sum(r is None or r.district_code is None for r, _ in named)
    print(f"== surabaya2023: kecamatan, on the {len(named)} rows whose text names its labelled kecamatan ==")
    print(
        f"  right {right} ({right / len(named):.1%}), another kecamatan {len(named) - right - missing}, none {missing}"
    )
    any_right = sum(
        r is not None and r.district_code == codes.get(row["district"].casefold()) for row, r in zip(rows, results)
    )
    any_named = sum(r is not None and r.district_code is not None for r in results)
    print(
        f"  all rows: a kecamatan is named for {any_named}; right for {any_right}"
        f" ({any_right / any_named:.1%} of those)"
        if any_named
        else "  no kecamatan named"
    )


def evaluate_lapor(rows: list[dict[str, str]], results: list[Region | None]) -> None:
    pairs = [(r, row["region_code"]) for row, r in zip(rows, results) if row["region_code"]]
    print_outcomes(
        "== lapor2017 rows with a region_code (the routed agency's regency) ==",
        [regency_outcome(r, gold) for r, gold in pairs],
    )
    print_bands(pairs)


def measure_speed(texts: list[str], rounds: int = 3) -> None:
    resolve_region("warm the index up: Kota Padang")
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            resolve_region(text)
        best = min(best, time.perf_counter() - start)
    chars = sum(map(len, texts)) / len(texts)
    short = [t for t in texts if 150 <= len(t) <= 250]
    start = time.perf_counter()
    for text in short:
        resolve_region(text)
    per_short = (time.perf_counter() - start) / len(short) * 1000
    print(f"== speed (one core, best of {rounds}) ==")
    print(
        f"  {len(texts) / best:,.0f} texts/s over {len(texts)} texts of {chars:.0f} chars on average"
        f" ({best / len(texts) * 1000:.3f} ms each)"
    )
    print(f"  {per_short:.3f} ms each on the {len(short)} texts of 150-250 chars")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    rows = read_rows(args.data_dir / "complaints_dev.csv")
    surabaya = [r for r in rows if r["source"] == "surabaya2023"]
    lapor = [r for r in rows if r["source"] == "lapor2017"]
    evaluate_surabaya(surabaya, [resolve_region(r["text"]) for r in surabaya])
    print()
    evaluate_lapor(lapor, [resolve_region(r["text"]) for r in lapor])
    print()
    measure_speed([r["text"] for r in rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
