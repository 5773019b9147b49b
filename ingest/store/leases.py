"""Leases: one holder at a time for a job (the poller) across processes, on SQLite and PostgreSQL.

A lease is a bot_state row `lease:<name>` whose value names the holder and whose updated_at is
when it was last taken or renewed. Taking it is one conditional UPDATE (or the first INSERT),
so two processes can never both hold it; a holder that dies simply stops renewing, and the
lease is free again `ttl` after its last renewal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from ingest.store.models import StateRow
from ingest.store.store import Store

PREFIX = "lease:"


def acquire(store: Store, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `holder`; False while another live holder has it."""
    key = PREFIX + name
    with store.session() as session:
        taken = session.execute(
            update(StateRow)
            .where(col(StateRow.key) == key,
                   or_(col(StateRow.value) == holder, col(StateRow.updated_at) < now - ttl))
            .values(value=holder, updated_at=now)
        )
        if taken.rowcount == 1:
            return True
    try:
        with store.session() as session:
            if session.get(StateRow, key) is not None:
                return False
            session.add(StateRow(key=key, value=holder, updated_at=now))
        return True
    except IntegrityError:
        return False  # another process inserted it first


def release(store: Store, name: str, holder: str) -> None:
    """Give the lease up at once (if `holder` has it), so another process need not wait for the ttl."""
    with store.session() as session:
        row = session.get(StateRow, PREFIX + name)
        if row is not None and row.value == holder:
            session.delete(row)


def holder_of(store: Store, name: str, now: datetime, ttl: timedelta) -> str | None:
    """Return who holds the lease now, or None."""
    row = store.read(lambda s: s.get(StateRow, PREFIX + name))
    if row is None:
        return None
    taken = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=now.tzinfo)
    return row.value if taken >= now - ttl else None
