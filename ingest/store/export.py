"""Export complaints as CSV or JSON Lines, one row per complaint, read page by page.

Personal data stays out unless asked for: the text is masked (ingest.personal_data), a
complaint an officer marked is hidden whole, and the author's id and handle are left out.
`fetch_export_records` reads the store in pages by id (each page its own short transaction),
so a million complaints never sit in memory; `export_record` and the writers are pure.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import IO, Any

from sqlmodel import Session, col, select

from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.store.models import ComplaintRow
from ingest.store.store import Store

FORMATS = ("csv", "jsonl")
FIELDS = (
    "tracking_number", "status", "kind", "category", "region_code", "region_name", "agency_id", "agency",
    "language", "urgent", "needs_review", "supporters", "mentions", "created_at", "acknowledged_at",
    "verified_at", "forwarded_at", "responded_at", "closed_at", "text",
)
# Only with --include-personal-data.
AUTHOR_FIELDS = ("author_id", "author_username")
HIDDEN_TEXT = "[hidden: personal data marked by an officer]"
PAGE_SIZE = 1000
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = (*FIELDS, *AUTHOR_FIELDS, "id", "personal_data_marked")


@dataclass(frozen=True)
class ExportFilter:
    """Which complaints to export: every one, or those in a status or created since a moment."""

    status: str | None = None
    since: datetime | None = None


def fields(include_personal_data: bool) -> tuple[str, ...]:
    """Return the exported columns, in order."""
    return (*FIELDS, *AUTHOR_FIELDS) if include_personal_data else FIELDS


def fetch_export_records(
    store: Store, which: ExportFilter, *, include_personal_data: bool = False, page_size: int = PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Yield the complaints matching `which`, oldest id first, as export records."""
    after = 0
    while True:
        page = store.read(partial(_page, which=which, after=after, limit=page_size))
        for row in page:
            yield export_record(row, include_personal_data)
        if len(page) < page_size:
            return
        after = page[-1]["id"]


def _page(session: Session, which: ExportFilter, after: int, limit: int) -> list[dict[str, Any]]:
    query = select(*(getattr(ComplaintRow, name) for name in _COLUMNS)).where(col(ComplaintRow.id) > after)
    if which.status is not None:
        query = query.where(ComplaintRow.status == which.status)
    if which.since is not None:
        query = query.where(ComplaintRow.created_at >= which.since)
    rows = session.execute(query.order_by(col(ComplaintRow.id)).limit(limit))
    return [dict(zip(_COLUMNS, row)) for row in rows]


def export_record(row: dict[str, Any], include_personal_data: bool) -> dict[str, Any]:
    """Return one complaint's export record: masked text, ISO times, no author unless asked."""
    record = {name: _plain(row.get(name)) for name in fields(include_personal_data)}
    record["text"] = export_text(row["text"], bool(row.get("personal_data_marked")), include_personal_data)
    return record


def export_text(text: str, marked: bool, include_personal_data: bool) -> str:
    """Return the text to export: as written, hidden (marked by an officer) or masked."""
    if include_personal_data:
        return text
    if marked:
        return HIDDEN_TEXT
    return mask_personal_data(text, find_personal_data(text))


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object a line; return how many."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: IO[str], columns: tuple[str, ...]) -> int:
    """Write a header and one line a record; return how many records."""
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({name: csv_cell(record.get(name)) for name in columns})
        count += 1
    return count


def csv_cell(value: Any) -> str:
    """Return a value as a CSV cell: booleans true/false, None empty, formulas defused with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
