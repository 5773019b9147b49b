"""Decide how long to leave X alone after a failure. Pure: returns seconds; the caller waits."""

from __future__ import annotations

# X's rate-limit windows are 15 minutes (X API v2 rate-limit reference).
WINDOW_SECONDS = 15 * 60
# A usage cap has no reset header worth trusting; look again hourly.
USAGE_CAP_RECHECK_SECONDS = 60 * 60
# The posting caps' window (x-*-limit-24hour-* headers).
DAY_SECONDS = 24 * 60 * 60


def rate_limit_pause(reset_at: int | None, now: float) -> float:
    """Return seconds to pause after a 429: until X's reset time, or one window if unknown."""
    if reset_at is None:
        return float(WINDOW_SECONDS)
    return float(min(max(reset_at - now + 1, 1), WINDOW_SECONDS * 4))


def usage_cap_pause(reset_at: int | None, now: float) -> float:
    """Return seconds to pause after a usage-cap 429."""
    if reset_at is not None and reset_at > now:
        return float(reset_at - now + 1)
    return float(USAGE_CAP_RECHECK_SECONDS)


def daily_cap_pause(reset_at: int | None, now: float) -> float:
    """Return seconds to pause posting after a 24-hour cap is spent: until its reset."""
    if reset_at is not None and reset_at > now:
        return float(min(reset_at - now + 1, DAY_SECONDS + 60))
    return float(USAGE_CAP_RECHECK_SECONDS)


def retry_delay(failures: int, jitter: float, *, base: float = 15.0, cap: float = 900.0) -> float:
    """Return seconds before retrying after `failures` failures in a row (equal jitter).

    `jitter` is a number in [0, 1) drawn by the caller, so the result is repeatable in tests.
    """
    if failures < 1:
        return 0.0
    ceiling = min(cap, base * 2 ** min(failures - 1, 30))
    return ceiling / 2 + (ceiling / 2) * jitter
