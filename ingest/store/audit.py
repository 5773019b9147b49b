"""The audit log: every change to a complaint, by whom or what, when, why, and the value before."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ingest.store.models import AuditRow
from ingest.store.store import Store


def record_audit(
    session: Session,
    complaint_id: int | None,
    actor: str,
    action: str,
    now: datetime,
    *,
    field: str | None = None,
    previous: str | None = None,
    value: str | None = None,
    reason: str = "",
) -> None:
    """Append one audit line inside an open session (the change and its line commit together)."""
    session.add(AuditRow(at=now, complaint_id=complaint_id, actor=actor, action=action, field=field,
                         previous=previous, value=value, reason=reason))


def audit_trail(store: Store, complaint_id: int) -> list[AuditRow]:
    """Return a complaint's audit lines, oldest first."""
    query = select(AuditRow).where(AuditRow.complaint_id == complaint_id).order_by(col(AuditRow.id))
    return store.read(lambda s: list(s.exec(query)))
