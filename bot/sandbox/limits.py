"""Rate-limit windows and scripted faults.

Windows follow the X API v2 rate-limit guide: a fixed 15-minute window per
endpoint reported in `x-rate-limit-limit/remaining/reset` (reset in Unix
seconds), and for POST /2/tweets also 24-hour user and app windows reported in
`x-user-limit-24hour-*` and `x-app-limit-24hour-*`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 15 * 60
DAY_SECONDS = 24 * 60 * 60
# X API v2 rate limits (2026): per 15 minutes unless the key says 24h.
DEFAULT_LIMITS = {"mentions": 450, "me": 75, "users": 300, "search": 450, "create": 100,
                  "create_user_24h": 100, "create_app_24h": 10_000}
_WINDOWS = {
    "mentions": [("x-rate-limit", "mentions", WINDOW_SECONDS)],
    "me": [("x-rate-limit", "me", WINDOW_SECONDS)],
    "users": [("x-rate-limit", "users", WINDOW_SECONDS)],
    "search": [("x-rate-limit", "search", WINDOW_SECONDS)],
    "create": [("x-rate-limit", "create", WINDOW_SECONDS),
               ("x-user-limit-24hour", "create_user_24h", DAY_SECONDS),
               ("x-app-limit-24hour", "create_app_24h", DAY_SECONDS)],
}


@dataclass
class _Window:
    limit: int
    period: int
    started: float | None = None
    used: int = 0

    def roll(self, now: float) -> None:
        if self.started is None or now >= self.started + self.period:
            self.started, self.used = now, 0

    def headers(self, prefix: str, now: float) -> dict[str, str]:
        self.roll(now)
        assert self.started is not None
        return {f"{prefix}-limit": str(self.limit),
                f"{prefix}-remaining": str(max(self.limit - self.used, 0)),
                f"{prefix}-reset": str(int(self.started + self.period))}


class RateLimiter:
    """Count requests per endpoint in fixed windows."""

    def __init__(self, overrides: dict[str, int] | None = None) -> None:
        unknown = set(overrides or {}) - set(DEFAULT_LIMITS)
        if unknown:
            raise ValueError(f"unknown rate_limits keys {sorted(unknown)}; "
                             f"known: {sorted(DEFAULT_LIMITS)}")
        limits = {**DEFAULT_LIMITS, **(overrides or {})}
        self._windows = {
            endpoint: [(prefix, _Window(limits[key], period)) for prefix, key, period in spec]
            for endpoint, spec in _WINDOWS.items()}

    def limit(self, endpoint: str) -> int:
        """Return the 15-minute limit of `endpoint`."""
        return self._windows[endpoint][0][1].limit

    def headers(self, endpoint: str, now: float) -> dict[str, str]:
        """Return the rate-limit headers of `endpoint` without counting a request."""
        found: dict[str, str] = {}
        for prefix, window in self._windows[endpoint]:
            found.update(window.headers(prefix, now))
        return found

    def take(self, endpoint: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it is allowed and the headers to send."""
        windows = self._windows[endpoint]
        for _, window in windows:
            window.roll(now)
        allowed = all(window.used < window.limit for _, window in windows)
        if allowed:
            for _, window in windows:
                window.used += 1
        return allowed, self.headers(endpoint, now)


@dataclass
class Fault:
    """A scripted answer for the next `times` requests whose path contains a string."""

    path_contains: str
    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] | None = None
    times: int = 1
    kind: str = "plain"  # "plain", "rate_limit", "usage_cap" or one of faults.SHAPING_KINDS
    reset_in: int | None = None
    seconds: float = 0.0  # "delay": how late the answer is
    fraction: float = 0.5  # "truncate", "reset_mid_body": how much of the body is sent
    action: Callable[[], None] | None = None  # "action": run before answering
    method: str | None = None  # only requests with this HTTP method (None: any)


class FaultScript:
    """The queue of scripted faults, first scripted first served."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue `fault`."""
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(fault)

    def take(self, path: str, method: str | None = None) -> Fault | None:
        """Return (and use up once) the first fault matching `path` (and `method`, if it names one)."""
        for fault in self._faults:
            if fault.path_contains in path and (fault.method is None or method is None
                                                or fault.method == method):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None
