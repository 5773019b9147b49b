"""Remember, across ticks and restarts, when an X endpoint must be left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from ingest.backoff import daily_cap_pause, rate_limit_pause, retry_delay, usage_cap_pause
from ingest.errors import XAuthError, XDailyCapReached, XError, XRateLimited, XUsageCapped
from ingest.store.store import Store


def paused_until(store: Store, name: str, now: datetime) -> datetime | None:
    """Return until when `name` is paused, or None if it may run now."""
    value = store.get_state(f"pause.{name}")
    if value is None:
        return None
    until = datetime.fromisoformat(value)
    return until if until > now else None


def pause(store: Store, name: str, now: datetime, seconds: float) -> datetime:
    """Pause `name` for `seconds` from now; return the end of the pause."""
    until = now + timedelta(seconds=seconds)
    store.set_state(f"pause.{name}", until.isoformat(), now)
    return until


def note_failure(store: Store, name: str, now: datetime) -> int:
    """Count one more failure in a row for `name`; return the count."""
    failures = int(store.get_state(f"failures.{name}") or 0) + 1
    store.set_state(f"failures.{name}", str(failures), now)
    return failures


def clear_failures(store: Store, name: str, now: datetime) -> None:
    """Forget `name`'s failures after a success."""
    if store.get_state(f"failures.{name}") is not None:
        store.set_state(f"failures.{name}", None, now)


def handle_x_failure(store: Store, name: str, exc: XError, now: datetime, jitter: float) -> tuple[str, str]:
    """Pause `name` as the failure calls for; return (status, message) for the report."""
    stamp = now.timestamp()
    if isinstance(exc, XUsageCapped):
        until = pause(store, name, now, usage_cap_pause(exc.reset_at, stamp))
        return "usage_capped", f"X usage cap reached: {name} paused until {until:%Y-%m-%d %H:%M} UTC; raise the cap or ask X for access"
    if isinstance(exc, XDailyCapReached):
        until = pause(store, name, now, daily_cap_pause(exc.reset_at, stamp))
        return "daily_cap", f"X's 24-hour posting cap is spent: {name} paused until {until:%Y-%m-%d %H:%M} UTC"
    if isinstance(exc, XRateLimited):
        until = pause(store, name, now, rate_limit_pause(exc.reset_at, stamp))
        return "rate_limited", f"X rate limit: {name} paused until {until:%H:%M:%S} UTC"
    failures = note_failure(store, name, now)
    until = pause(store, name, now, retry_delay(failures, jitter))
    status = "auth_error" if isinstance(exc, XAuthError) else "unavailable"
    return status, f"{exc} (failure {failures} in a row; {name} retries after {until:%H:%M:%S} UTC)"
