"""What a forward carries and what a channel says back. Pure values shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Outcomes of one delivery attempt.
SENT = "sent"  # the agency's side took it
RETRY = "retry"  # a passing failure (network, 5xx, 429, SMTP 4xx): try again later
FAILED = "failed"  # refused for good (bad address, 4xx, SMTP 5xx): dead-letter it at once


@dataclass(frozen=True)
class ForwardItem:
    """One complaint as an agency receives it; the text is already masked where it must be."""

    tracking_number: str
    agency_id: str
    agency_name: str
    status: str
    kind: str
    category: str
    category_name: str
    region_code: str | None
    region_name: str | None
    language: str
    text: str
    created_at: datetime
    verified_at: datetime | None
    urgent: bool
    supporters: int
    mentions: int
    tweet_urls: tuple[str, ...]
    status_url: str  # the citizen's public status page for this tracking number
    respond_hint: str = ""  # how the agency reports back (command, webhook URL), in words
    flags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Delivery:
    """The result of one attempt: SENT (with the receiver's id if any), RETRY or FAILED."""

    outcome: str
    external_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, when the receiver said (Retry-After)


@dataclass(frozen=True)
class Open311Status:
    """A service request's state as the agency's Open311 endpoint reports it."""

    request_id: str
    status: str  # "open" | "closed" (GeoReport v2)
    status_notes: str
    agency_responsible: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the mail server that sends forwards, digests and breach notices."""

    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "LAPOR! bot <lapor-bot@localhost>"
    timeout: float = 30.0
