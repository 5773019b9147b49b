"""Officers' corrections of the triage, read back as labelled data for retraining."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.store.models import ComplaintRow, LabelRow
from ingest.store.store import Store


def labels(store: Store) -> list[dict[str, Any]]:
    """Return the officers' corrections with the text they apply to (newest value per complaint and field)."""

    def query(session: Session) -> list[dict[str, Any]]:
        rows = session.exec(select(LabelRow, ComplaintRow).where(LabelRow.complaint_id == ComplaintRow.id)
                            .order_by(col(LabelRow.id)))
        latest: dict[tuple[int, str], dict[str, Any]] = {}
        for label, complaint in rows:
            entry = latest.setdefault((label.complaint_id, complaint.tracking_number), {
                "tracking_number": complaint.tracking_number, "tweet_id": label.tweet_id,
                "text": _masked(complaint.text), "language": complaint.language,
                "personal_data": complaint.has_personal_data or complaint.personal_data_marked,
            })
            entry[label.field] = label.value
            entry[f"{label.field}_was"] = entry.get(f"{label.field}_was", label.previous)
            entry["labelled_by"], entry["labelled_at"] = label.actor, label.at.isoformat()
        return list(latest.values())

    return store.read(query)


def _masked(text: str) -> str:
    spans = find_personal_data(text)
    return mask_personal_data(text, spans) if spans else text
