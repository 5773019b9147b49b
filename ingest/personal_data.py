"""Find and mask personal data in a mention: NIK/KK numbers, mobile numbers, e-mails, accounts.

The patterns follow the masking rules of the project's labelled data (shared/data/README.md,
"Personal data"), so the bot masks what the data was masked for:

- "nik":   16 digits in four groups of four (spaces, dots or dashes between), any run of
           14–21 digits (NIK/KK with a digit missing or doubled, card numbers, 18-digit NOP),
           and an NOP written in its dotted groups (35.78.110.001.002.0030.0);
- "phone": Indonesian mobile numbers, 08…, +62 8… or 62 8…, 9–14 digits in the 08… form,
           with spaces, dots or dashes allowed;
- "email": e-mail addresses;
- "nomor": other 10–13-digit numbers (customer, student, BPJS card and bank account numbers),
           optionally in groups of three or more digits joined by dashes ("131-000-7252-937";
           not by spaces, which would join a list of years into one number);
- "plate": vehicle registration plates ("BA 1234 XY", "B1234ABC"): a registration-area code,
           1–4 digits and 1–3 letters, in capitals; in any case after "plat", "nopol" or
           "nomor polisi".

Not flagged: our tracking numbers ("LPR-2611-00042"), dates, times, money amounts
("Rp 150.000.000") and RT/RW numbers, and digits inside URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PersonalDataKind = Literal["nik", "phone", "email", "nomor", "plate"]

MASKS: dict[str, str] = {
    "nik": "[NIK]",
    "phone": "[TELEPON]",
    "email": "[EMAIL]",
    "nomor": "[NOMOR]",
    "plate": "[PLAT]",
}

# A number must not continue a longer token: no digit, letter-dash ("LPR-2611") or decimal
# point ("1.500.000") right before it, and no digit right after it.
_START = r"(?<![\d])(?<![\w][-./])"
_END = r"(?![\d])(?![-./]\d)"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_DIGITS_3 = re.compile(r"\d{3}")  # every NIK, NOP, phone and account number has three digits in a row
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NIK_GROUPED = re.compile(_START + r"\d{4}([ .-])\d{4}\1\d{4}\1\d{4}" + _END)
_NIK_RUN = re.compile(r"(?<!\d)\d{14,21}(?!\d)")
# An 18-digit tax-object number (NOP PBB) written in its official groups 2.2.3.3.3.4.1.
_NOP = re.compile(_START + r"\d{2}([.-])\d{2}\1\d{3}\1\d{3}\1\d{3}\1\d{4}\1\d" + _END)
# A phone number may follow a label glued by a dot ("telp.0812…") and put its area part in
# brackets ("(0812) 3456 7890"); it must still not continue another number.
# Two numbers may share a slash ("0812…/0813…").
_PHONE = re.compile(r"(?<![\d])(?<!\d[-.])\(?(?:\+62|62|0)[ .-]?8\d{2}\)?(?:[ .-]?\d){5,11}(?![\d])(?![-.]\d)")
_NOMOR = re.compile(_START + r"\d{3,}(?: ?- ?\d{3,})*" + _END)

# Registration-area codes of Indonesian plates (Korlantas), longest first for the regex.
_PLATE_AREAS = sorted(
    "A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP DA DB DC DD DE DG DH DK DL "
    "DM DN DR DT EA EB ED KB KH KT KU PA PB PD PS PT".split(),
    key=len,
    reverse=True,
)
_PLATE_BODY = r"(?:" + "|".join(_PLATE_AREAS) + r")[ -]?\d{1,4}[ -]?[A-Z]{1,3}"
_PLATE = re.compile(r"(?<![\w-])" + _PLATE_BODY + r"(?![\w-])")
_PLATE_NAMED = re.compile(
    r"(?:plat(?: nomor| nomer| no\.?)?|nopol|no\.? ?pol|nomor polisi)\s*[:.]?\s*(" + _PLATE_BODY + r")(?![\w-])",
    re.IGNORECASE,
)

# The two-digit province codes a NIK starts with (Kemendagri region codes).
_PROVINCES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 "
    "91 92 93 94 95 96".split()
)

_PHONE_DIGITS = range(9, 15)
_NOMOR_DIGITS = range(10, 14)


@dataclass(frozen=True)
class PersonalDataSpan:
    """One piece of personal data: what it is and where it sits (`text[start:end]`)."""

    kind: PersonalDataKind
    start: int
    end: int


def find_personal_data(text: str) -> tuple[PersonalDataSpan, ...]:
    """Return the personal data in `text`, in order, without overlaps."""
    if not _DIGIT.search(text):
        return tuple(_emails(text)) if "@" in text else ()  # every other kind has digits
    linked = "://" in text or "www." in text.lower()
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)] if linked else []
    found: list[PersonalDataSpan] = []
    # Most specific first: a 16-digit run is a NIK before it could be an account number.
    # Each detector runs only where it can match: e-mails need an "@", and NIK/NOP, phone and
    # account numbers three digits in a row.
    detectors = ((_emails,) if "@" in text else ()) + ((_niks, _phones, _nomors) if _DIGITS_3.search(text) else ())
    for spans in (detect(text) for detect in (*detectors, _plates)):
        for span in spans:
            if not _overlaps(span, urls) and not _overlaps(span, found):
                found.append(span)
    return tuple(sorted(found, key=lambda s: s.start))


def mask_personal_data(text: str, spans: tuple[PersonalDataSpan, ...]) -> str:
    """Return `text` with each span replaced by its mask ("[NIK]", "[TELEPON]"…)."""
    pieces: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor:
            continue  # overlapping span: the earlier one already covers it
        pieces.append(text[cursor : span.start])
        pieces.append(MASKS[span.kind])
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _emails(text: str) -> list[PersonalDataSpan]:
    return [PersonalDataSpan("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]


def _niks(text: str) -> list[PersonalDataSpan]:
    # Grouped by spaces, four groups could be a list of years: a NIK starts with a province code.
    grouped = [m for m in _NIK_GROUPED.finditer(text) if m.group(1) != " " or m.group()[:2] in _PROVINCES]
    matches = [*grouped, *_NIK_RUN.finditer(text)]
    matches += _NOP.finditer(text)
    return [PersonalDataSpan("nik", m.start(), m.end()) for m in matches]


def _phones(text: str) -> list[PersonalDataSpan]:
    spans = []
    for match in _PHONE.finditer(text):
        digits = _digit_count(match.group())
        local = digits - 1 if match.group().lstrip("+").startswith("62") else digits
        if local in _PHONE_DIGITS:
            spans.append(PersonalDataSpan("phone", match.start(), match.end()))
    return spans


def _nomors(text: str) -> list[PersonalDataSpan]:
    return [
        PersonalDataSpan("nomor", m.start(), m.end())
        for m in _NOMOR.finditer(text)
        if _digit_count(m.group()) in _NOMOR_DIGITS
    ]


def _plates(text: str) -> list[PersonalDataSpan]:
    spans = [PersonalDataSpan("plate", m.start(), m.end()) for m in _PLATE.finditer(text)]
    spans += [PersonalDataSpan("plate", m.start(1), m.end(1)) for m in _PLATE_NAMED.finditer(text)]
    return spans


def _digit_count(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _overlaps(span: PersonalDataSpan, others: Iterable[PersonalDataSpan | tuple[int, int]]) -> bool:
    for other in others:
        start, end = (other.start, other.end) if isinstance(other, PersonalDataSpan) else other
        if span.start < end and start < span.end:
            return True
    return False
