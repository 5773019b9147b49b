"""The errors the ingest side raises, so callers catch ours and not a library's.

    IngestError
    ├── XError                     the X API (or the sandbox) did not give us what we asked
    │   ├── XRateLimited           429: wait until `reset_at` (Unix seconds, or None)
    │   │   ├── XUsageCapped       429 with X's usage-capped type: the monthly cap is spent
    │   │   └── XDailyCapReached   429 on posting with a 24-hour posting cap spent
    │   ├── XUnavailable           5xx, timeout, connection reset, unreadable body: retry later
    │   ├── XAuthError             401/403 on reads: the keys or the app's access are wrong
    │   └── XRefused               4xx on a request that will not succeed if repeated
    ├── NormaliseError             a tweet that cannot become a Mention (it is quarantined)
    └── StoreError                 the database refused or is unreachable
        └── StoreUnavailable       locked, gone or unreachable: retry on the next tick
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error the ingest side raises on purpose."""


class XError(IngestError):
    """The X API failed to answer as asked."""


class XRateLimited(XError):
    """X answered 429; `reset_at` is when the window resets (Unix seconds) if X said."""

    def __init__(self, message: str, reset_at: int | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class XUsageCapped(XRateLimited):
    """X answered 429 with the usage-capped problem type: the plan's post cap is spent."""


class XDailyCapReached(XRateLimited):
    """X answered 429 because a 24-hour posting cap (user or app) is spent; `reset_at` ends it."""


class XUnavailable(XError):
    """X is down, slow or sent something unreadable; the same call may work later."""


class XAuthError(XError):
    """X refused our credentials or the app's access level."""


class XRefused(XError):
    """X refused the request itself (4xx); `detail` is X's problem text."""

    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class NormaliseError(IngestError):
    """A tweet payload could not be turned into a Mention."""


class StoreError(IngestError):
    """The database refused an operation."""


class StoreUnavailable(StoreError):
    """The database is locked, gone or unreachable."""
