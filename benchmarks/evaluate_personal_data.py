"""Measure the personal-data detector: recall on realistic spellings, and false alarms.

    python benchmarks/evaluate_personal_data.py [--seed N] [--count N]

The cases are built here, seeded, from the ways people actually write these numbers in
complaints: NIK/KK in one run or in groups of four with spaces, dots or dashes; mobile
numbers as 08…, +62 8…, 62 8…, in groups, in brackets, glued to a label ("WA:0812…");
e-mail addresses with dots, plus tags, subdomains and capitals; each after a leading text
("NIK saya", "no hp/wa", "hubungi") and before punctuation. A case counts as found when one
detected span covers the whole number or address. False alarms are counted on look-alikes
that are not personal data (tracking numbers, dates, money, RT/RW, street numbers, years).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.personal_data import find_personal_data  # noqa: E402

LEADS = {
    "nik": ["NIK saya", "nik:", "NIK", "No. KTP", "no ktp", "KK no", "nomor KK", "NIK anak saya", "e-KTP", "nik="],
    "phone": ["hp", "no hp/wa", "WA:", "wa", "hubungi", "telp.", "Telp", "kontak saya", "no. HP", "call/wa"],
    "email": ["email", "e-mail:", "surel", "kirim ke", "email saya", "mail:"],
}
TAILS = ["", ".", ",", " ya", " tolong dicek", ")", "!", " min", "\n", " terima kasih"]
FIRST = ["budi", "siti", "andi", "rina", "dewi", "agus", "nur", "yanti", "rudi", "fajar"]
LAST = ["santoso", "rahma", "saputra", "wulandari", "hidayat", "marlina", "pratama", "lestari"]
DOMAINS = ["gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com", "sumbarprov.go.id", "mail.ugm.ac.id"]
DECOYS = [
    "laporan LPR-2611-00042 belum ditanggapi",
    "sejak tanggal 28-06-2022 jam 19:57",
    "biaya Rp 150.000.000 terlalu mahal",
    "RT 01 RW 08 Kel. Gubeng",
    "rumah no 29 dan no 15 di Jl. Veteran",
    "tahun 2019 2020 2021 2022 selalu banjir",
    "jam 08.00 sampai 16.00",
    "antrian nomor 125",
    "KM 12 tol Padang",
    "tarif naik 10% sejak 01/07/2023",
    "kode pos 25111",
    "suhu 39,8 derajat",
]


@dataclass(frozen=True)
class Case:
    """A text with one piece of personal data at text[start:end]."""

    kind: str
    text: str
    start: int
    end: int


def _nik(rng: random.Random) -> str:
    digits = f"{rng.choice(['13', '35', '31', '32', '33', '12'])}{rng.randrange(10**14):014d}"
    style = rng.choice(["run", "run", "space", "dot", "dash"])
    if style == "run":
        return digits
    separator = {"space": " ", "dot": ".", "dash": "-"}[style]
    return separator.join(digits[i : i + 4] for i in range(0, 16, 4))


def _phone(rng: random.Random) -> str:
    body = f"8{rng.choice('1235789')}{rng.randrange(10**rng.choice([7, 8, 9])):0{8}d}"[:12]
    prefix = rng.choice(["0", "0", "0", "+62", "+62 ", "62", "62 "])
    style = rng.choice(["run", "run", "dash", "space", "dot", "brackets"])
    number = prefix + body
    if style == "run":
        return number
    if style == "brackets" and prefix == "0":
        return f"({number[:4]}) {number[4:8]} {number[8:]}"
    separator = {"dash": "-", "space": " ", "dot": ".", "brackets": " "}[style]
    head = number[: len(prefix) + 3]
    rest = number[len(prefix) + 3 :]
    return head.rstrip() + separator + separator.join(rest[i : i + 4] for i in range(0, len(rest), 4))


def _email(rng: random.Random) -> str:
    user = rng.choice(FIRST) + rng.choice([".", "_", "", "+lapor."]) + rng.choice(LAST)
    user += str(rng.randrange(100)) if rng.random() < 0.4 else ""
    address = f"{user}@{rng.choice(DOMAINS)}"
    return address.upper() if rng.random() < 0.1 else address


def cases(seed: int = 1708, count: int = 600) -> list[Case]:
    """Return `count` texts with one NIK/KK, phone number or e-mail each, seeded."""
    rng = random.Random(seed)
    makers = {"nik": _nik, "phone": _phone, "email": _email}
    built = []
    for index in range(count):
        kind = ("nik", "phone", "email")[index % 3]
        secret = makers[kind](rng)
        lead = rng.choice(LEADS[kind])
        glue = rng.choice([" ", " ", "", ": "]) if not lead.endswith((":", "=")) else rng.choice(["", " "])
        before = f"@lapor1708 {rng.choice(['', 'min, ', 'tolong '])}{lead}{glue}"
        text = before + secret + rng.choice(TAILS)
        built.append(Case(kind, text, len(before), len(before) + len(secret)))
    return built


def found(case: Case) -> bool:
    """Return whether one detected span covers the whole secret."""
    return any(s.start <= case.start and s.end >= case.end for s in find_personal_data(case.text))


def main() -> None:
    """Print recall per kind, the misses, and false alarms on look-alikes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1708)
    parser.add_argument("--count", type=int, default=600)
    args = parser.parse_args()
    built = cases(args.seed, args.count)
    totals, hits = Counter(), Counter()
    misses = []
    for case in built:
        totals[case.kind] += 1
        if found(case):
            hits[case.kind] += 1
        else:
            misses.append(case)
    print(f"personal-data recall on {len(built)} built cases (seed {args.seed}):")
    for kind in totals:
        print(f"  {kind:<6} {hits[kind]:>4}/{totals[kind]:<4} recall {hits[kind] / totals[kind]:.3f}")
    print(f"  all    {sum(hits.values()):>4}/{len(built):<4} recall {sum(hits.values()) / len(built):.3f}")
    for case in misses[:10]:
        print(f"  missed {case.kind}: {case.text!r}")
    alarms = [(text, find_personal_data(text)) for text in DECOYS]
    flagged = [(text, spans) for text, spans in alarms if spans]
    print(f"false alarms on {len(DECOYS)} look-alikes: {len(flagged)}")
    for text, spans in flagged:
        print(f"  {text!r}: {[text[s.start:s.end] for s in spans]}")


if __name__ == "__main__":
    main()
