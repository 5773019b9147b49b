"""Console users, API tokens and the sign-in throttle (hashes only: no password or token is stored)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ingest.store.audit import record_audit
from ingest.store.models import ApiTokenRow, LoginThrottleRow, UserRow
from ingest.store.store import Store

ROLES = ("officer", "admin", "agency")
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5  # failures per key and window before the key is locked for the rest of it


class UserError(ValueError):
    """A user change that cannot be made; the message says why."""


def add_user(store: Store, username: str, display_name: str, password_hash: str, role: str, now: datetime, *,
             agency_id: str | None = None, actor: str = "admin") -> UserRow:
    """Create a console user; agency users belong to exactly one agency."""
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise UserError("a username is 1-64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if (role == "agency") != bool(agency_id):
        raise UserError("an agency user needs --agency, and only agency users have one")
    try:
        with store.session() as session:
            user = UserRow(username=name, display_name=display_name.strip() or name, password_hash=password_hash,
                           role=role, agency_id=agency_id, created_at=now)
            session.add(user)
            session.flush()
            record_audit(session, None, actor, "user_added", now, field="role", value=f"{name}:{role}",
                         reason=agency_id or "")
            return user
    except IntegrityError:
        raise UserError(f"user {name!r} exists already") from None


def user_by_name(store: Store, username: str) -> UserRow | None:
    """Return the user with this name (any case), or None."""
    name = username.strip().lower()
    return store.read(lambda s: s.exec(select(UserRow).where(UserRow.username == name)).first())


def user_by_id(store: Store, user_id: int) -> UserRow | None:
    """Return the user with this id, or None."""
    return store.read(lambda s: s.get(UserRow, user_id))


def users(store: Store) -> list[UserRow]:
    """Return every user, by name."""
    return store.read(lambda s: list(s.exec(select(UserRow).order_by(col(UserRow.username)))))


def update_user(store: Store, username: str, now: datetime, *, actor: str, password_hash: str | None = None,
                active: bool | None = None) -> UserRow:
    """Change a user's password or activity; either ends the user's open sessions."""
    with store.session() as session:
        user = session.exec(select(UserRow).where(UserRow.username == username.strip().lower())).first()
        if user is None:
            raise UserError(f"no user {username!r}")
        if password_hash is not None:
            user.password_hash = password_hash
            record_audit(session, None, actor, "user_password", now, field="password", value=user.username)
        if active is not None and active != user.active:
            user.active = active
            record_audit(session, None, actor, "user_active", now, field="active", previous=str(not active),
                         value=str(active), reason=user.username)
        user.session_version += 1
        return user


def note_login(store: Store, user_id: int, now: datetime, password_hash: str | None = None) -> None:
    """Record a successful sign-in (and a rehashed password, when the hash parameters changed)."""
    with store.session() as session:
        user = session.get(UserRow, user_id)
        if user is not None:
            user.last_login_at = now
            if password_hash:
                user.password_hash = password_hash


# --- API tokens ---------------------------------------------------------------------------
def token_digest(token: str) -> str:
    """Return the SHA-256 hex of a token (tokens are long random strings: no slow hash needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(store: Store, user_id: int, name: str, token: str, now: datetime) -> ApiTokenRow:
    """Store a new API token's digest for a user."""
    with store.session() as session:
        row = ApiTokenRow(user_id=user_id, name=name, token_sha256=token_digest(token), created_at=now)
        session.add(row)
        return row


def user_for_token(store: Store, token: str, now: datetime) -> UserRow | None:
    """Return the active user an unrevoked token belongs to, and note its use."""
    with store.session() as session:
        row = session.exec(select(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_digest(token),
                                                     ApiTokenRow.revoked == False)).first()  # noqa: E712 - SQL
        if row is None:
            return None
        user = session.get(UserRow, row.user_id)
        if user is None or not user.active:
            return None
        row.last_used_at = now
        return user


# --- sign-in throttle -----------------------------------------------------------------------
def throttled_until(store: Store, keys: list[str], now: datetime) -> datetime | None:
    """Return until when any of these keys is locked, or None."""
    rows = store.read(lambda s: list(s.exec(select(LoginThrottleRow).where(col(LoginThrottleRow.key).in_(keys)))))
    locks = [_aware(r.locked_until, now) for r in rows if r.locked_until and _aware(r.locked_until, now) > now]
    return max(locks) if locks else None


def note_failure(store: Store, keys: list[str], now: datetime) -> None:
    """Count a failed sign-in against each key; lock a key at THROTTLE_LIMIT failures in a window."""
    with store.session() as session:
        for key in keys:
            row = session.get(LoginThrottleRow, key)
            if row is None or _aware(row.window_started_at, now) + THROTTLE_WINDOW < now:
                if row is not None:
                    session.delete(row)
                    session.flush()
                row = LoginThrottleRow(key=key, failures=0, window_started_at=now)
                session.add(row)
            row.failures += 1
            if row.failures >= THROTTLE_LIMIT:
                row.locked_until = now + THROTTLE_WINDOW


def clear_failures(store: Store, key: str) -> None:
    """Forget a key's failures after a successful sign-in."""
    with store.session() as session:
        row = session.get(LoginThrottleRow, key)
        if row is not None:
            session.delete(row)


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)
