"""The database tables (SQLModel). Schema changes go through migrations/ (Alembic)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

ID = 20  # X ids are 64-bit integers: at most 20 decimal digits.


class MentionRow(SQLModel, table=True):
    """Every post that mentioned the account, stored once, with its raw JSON."""

    __tablename__ = "mention"
    # The reply queue's read: mentions still to decide, oldest first.
    __table_args__ = (Index("ix_mention_reply_queue", "reply_state", "created_at", "tweet_id"),)

    tweet_id: str = Field(primary_key=True, max_length=ID)
    author_id: str = Field(index=True, max_length=ID)
    author_username: str | None = Field(default=None, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(index=True)
    x_lang: str | None = Field(default=None, max_length=16)
    language: str = Field(max_length=8)
    conversation_id: str | None = Field(default=None, index=True, max_length=ID)
    in_reply_to_user_id: str | None = Field(default=None, max_length=ID)
    original_id: str = Field(index=True, max_length=ID)
    referenced_json: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(max_length=24)
    link_reason: str = Field(sa_column=Column(Text, nullable=False))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    kind: str = Field(max_length=32)
    category: str = Field(max_length=32)
    kind_confidence: float = 0.0
    category_confidence: float = 0.0
    reasons_json: str = Field(sa_column=Column(Text, nullable=False))
    has_personal_data: bool = False
    region_code: str | None = Field(default=None, index=True, max_length=16)
    agency_id: str | None = Field(default=None, max_length=64)
    flags_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    answerable: bool = True
    raw_json: str = Field(sa_column=Column(Text, nullable=False))
    fetched_at: datetime
    reply_state: str = Field(default="pending", index=True, max_length=16)  # pending | queued | skipped
    reply_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ComplaintRow(SQLModel, table=True):
    """One problem reported by a citizen, with its tracking number."""

    __tablename__ = "complaint"
    __table_args__ = (
        # The review queue's order, so a page is read from the index instead of sorting the table.
        Index("ix_complaint_queue_order", text("needs_review DESC"), text("urgent DESC"), text("(due_at IS NULL)"),
              "due_at", "id"),
        # The queue's open-status filter and its tab counts.
        Index("ix_complaint_status_due", "status", "due_at", "needs_review", "urgent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str = Field(unique=True, max_length=24)
    first_tweet_id: str = Field(unique=True, max_length=ID)
    author_id: str = Field(index=True, max_length=ID)
    author_username: str | None = Field(default=None, max_length=64)
    conversation_id: str | None = Field(default=None, index=True, max_length=ID)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=32)
    category: str = Field(max_length=32)
    language: str = Field(max_length=8)
    status: str = Field(default="awaiting_verification", max_length=32)
    region_code: str | None = Field(default=None, index=True, max_length=16)
    region_name: str | None = Field(default=None, max_length=120)
    agency_id: str | None = Field(default=None, index=True, max_length=64)
    agency: str | None = Field(default=None, max_length=200)  # the agency's name
    urgent: bool = Field(default=False, index=True)
    flags_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    # The first complaint of the cluster this one belongs to (another author, very likely
    # the same problem); None when it stands alone.
    cluster_id: int | None = Field(default=None, index=True)
    needs_review: bool = False
    has_personal_data: bool = False
    supporters: int = 0
    mentions: int = 1
    acknowledgement: str = Field(max_length=16)  # pending | queued | skipped | posted | failed | dry_run
    acknowledgement_reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(index=True)
    updated_at: datetime
    # When each stage was reached (the SLA clocks and the stats read these).
    acknowledged_at: datetime | None = None
    verified_at: datetime | None = None
    forwarded_at: datetime | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None
    status_changed_at: datetime | None = None
    # An officer marked personal data in it: kept out of exports and replies, whatever the detector said.
    # The running SLA stage (verify | respond | close) and its deadline; None when no clock runs.
    due_stage: str | None = Field(default=None, max_length=16)
    due_at: datetime | None = Field(default=None, index=True)
    personal_data_marked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ReplyRow(SQLModel, table=True):
    """The outbox: at most one reply per tweet, ever (unique in_reply_to_tweet_id)."""

    __tablename__ = "reply"
    # The posting window's count of recent posts.
    __table_args__ = (Index("ix_reply_status_updated", "status", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    in_reply_to_tweet_id: str = Field(unique=True, max_length=ID)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    author_id: str | None = Field(default=None, index=True, max_length=ID)  # who is answered
    purpose: str = Field(max_length=32)
    language: str = Field(max_length=8)
    text: str = Field(sa_column=Column(Text, nullable=False))
    has_link: bool = False
    exclude_user_ids_json: str = Field(sa_column=Column(Text, nullable=False))
    # queued | sending | posted | failed | dry_run | cancelled
    status: str = Field(index=True, max_length=16)
    attempts: int = 0
    in_doubt: bool = False  # an attempt may have reached X without us hearing the answer
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    posted_tweet_id: str | None = Field(default=None, max_length=ID)
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime


class QuarantineRow(SQLModel, table=True):
    """A payload that could not be normalised, kept with the reason (nothing is dropped)."""

    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    raw_sha256: str = Field(unique=True, max_length=64)
    tweet_id: str | None = Field(default=None, max_length=64)
    source: str = Field(max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    raw_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class CursorRow(SQLModel, table=True):
    """Where a timeline was last read up to (the since_id of the next poll)."""

    __tablename__ = "cursor"

    name: str = Field(primary_key=True, max_length=32)
    since_id: str = Field(max_length=ID)
    updated_at: datetime


class GapRow(SQLModel, table=True):
    """Mentions X no longer lists: between since_id and the oldest id a poll reached."""

    __tablename__ = "gap"

    id: int | None = Field(default=None, primary_key=True)
    since_id: str = Field(max_length=ID)
    until_id: str = Field(max_length=ID)
    estimated_missing: int = 0
    status: str = Field(default="open", max_length=16)  # open | backfilled | expired
    recovered: int = 0
    detected_at: datetime
    closed_at: datetime | None = None


class EventRow(SQLModel, table=True):
    """What the bot decided or met, and why: the audit trail of automation."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str = Field(index=True, max_length=32)
    level: str = Field(default="info", max_length=8)
    tweet_id: str | None = Field(default=None, index=True, max_length=ID)
    complaint_id: int | None = Field(default=None, index=True)
    message: str = Field(sa_column=Column(Text, nullable=False))


class StateRow(SQLModel, table=True):
    """Small facts the bot keeps between runs (account id, rate-limit pauses, failures)."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime


class TrackingCounterRow(SQLModel, table=True):
    """The last tracking-number sequence used in each month."""

    __tablename__ = "tracking_counter"
    period: str = Field(primary_key=True, max_length=8)
    last: int = 0


class FollowupRow(SQLModel, table=True):
    """A status change to tell the citizen about, once per complaint and status."""

    __tablename__ = "followup"
    __table_args__ = (UniqueConstraint("complaint_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    status: str = Field(max_length=32)  # the complaint status announced
    agency: str | None = Field(default=None, max_length=200)
    state: str = Field(index=True, max_length=16)  # waiting | queued | skipped | dry_run
    reason: str = Field(sa_column=Column(Text, nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # composed, in dry runs
    reply_id: int | None = Field(default=None, foreign_key="reply.id")
    created_at: datetime
    updated_at: datetime


class OptOutRow(SQLModel, table=True):
    """A citizen who asked for no more automated replies (an officer can remove it)."""

    __tablename__ = "opt_out"

    author_id: str = Field(primary_key=True, max_length=ID)
    author_username: str | None = Field(default=None, max_length=64)
    tweet_id: str | None = Field(default=None, max_length=ID)  # the request, when it came by mention
    created_at: datetime


class UsageRow(SQLModel, table=True):
    """X API use per UTC day, for the spend estimate."""

    __tablename__ = "x_usage"

    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD (UTC)
    reads: int = 0  # posts read (mentions, search, expansions)
    posts: int = 0  # posts created without a link
    posts_with_link: int = 0


class NearDuplicateBandRow(SQLModel, table=True):
    """One LSH band key of one complaint's text (the primary key indexes band_key first)."""

    __tablename__ = "near_duplicate_band"
    __table_args__ = (
        Index("ix_near_duplicate_band_complaint_id", "complaint_id"),
        {"sqlite_with_rowid": False},  # SQLite keeps the rows in primary-key order: half the space
    )

    band_key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    complaint_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class NearDuplicateTextRow(SQLModel, table=True):
    """The normalised text a complaint was indexed with, to verify candidates against."""

    __tablename__ = "near_duplicate_text"

    complaint_id: int = Field(primary_key=True, foreign_key="complaint.id")
    version: int  # ingest.dedupe.SIGNATURE_VERSION at indexing: another version must be rebuilt
    text: str = Field(sa_column=Column(Text, nullable=False))


class AuditRow(SQLModel, table=True):
    """Who or what changed a complaint, when, why, and the value before: append only."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    complaint_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=120)  # "officer:name", "agency:id", "bot", "webhook:agency-id", ...
    action: str = Field(index=True, max_length=32)  # status, reclassify, merge, forward, respond, ...
    field: str | None = Field(default=None, max_length=32)
    previous: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class LabelRow(SQLModel, table=True):
    """An officer's correction of the triage, kept as labelled data for retraining."""

    __tablename__ = "label"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    tweet_id: str = Field(max_length=ID)
    field: str = Field(max_length=32)  # kind | category | region_code | agency_id
    previous: str | None = Field(default=None, max_length=64)
    value: str = Field(max_length=64)
    actor: str = Field(max_length=120)
    at: datetime


class ForwardRow(SQLModel, table=True):
    """The agency outbox: one delivery of one complaint (or breach notice) through one channel."""

    __tablename__ = "forward"
    __table_args__ = (UniqueConstraint("complaint_id", "agency_id", "channel", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: str = Field(index=True, max_length=64)
    channel: str = Field(max_length=16)  # email | webhook | open311 | digest
    purpose: str = Field(default="complaint", max_length=32)  # complaint | breach:<stage>
    # queued | sending | sent | dead (retries spent or refused for good) | cancelled
    status: str = Field(index=True, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    external_id: str | None = Field(default=None, max_length=200)  # Open311 request id, Message-ID, ...
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    # Set just before the message is handed to the receiver: a worker that dies after it may
    # have delivered, so the row is not sent again blindly (it waits for an officer instead).
    handed_over_at: datetime | None = None


class ResponseRow(SQLModel, table=True):
    """What an agency reported back on a complaint (CLI, signed webhook, or Open311 poll)."""

    __tablename__ = "agency_response"
    __table_args__ = (UniqueConstraint("source", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    public: bool = True  # the note may be shown on the citizen's status page
    source: str = Field(max_length=16)  # cli | webhook | open311 | console
    external_ref: str | None = Field(default=None, max_length=200)  # makes a replayed delivery a no-op
    actor: str = Field(max_length=120)
    at: datetime


class SlaBreachRow(SQLModel, table=True):
    """A missed deadline, recorded (and notified) once per complaint, stage and deadline."""

    __tablename__ = "sla_breach"
    __table_args__ = (UniqueConstraint("complaint_id", "stage", "deadline"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    stage: str = Field(max_length=16)  # verify | respond
    deadline: datetime
    detected_at: datetime
    notified: str = Field(default="", max_length=200)  # the channels told, e.g. "officer-email,agency"


class UserRow(SQLModel, table=True):
    """A person who signs in to the web console: an officer, an admin, or an agency's staff."""

    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)  # stored lower-case
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)  # argon2id, never the password
    role: str = Field(max_length=16)  # officer | admin | agency
    agency_id: str | None = Field(default=None, max_length=64)  # for role agency: the only agency it sees
    active: bool = True
    # Bumped on a password change or deactivation: sessions signed with an older one end.
    session_version: int = 1
    created_at: datetime
    last_login_at: datetime | None = None


class ApiTokenRow(SQLModel, table=True):
    """A token for the JSON API, acting as its user; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    name: str = Field(max_length=120)
    token_sha256: str = Field(unique=True, max_length=64)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked: bool = False


class LoginThrottleRow(SQLModel, table=True):
    """Failed sign-ins per username and per address, to slow down password guessing."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=200)  # "user:<name>" or "ip:<address>"
    failures: int = 0
    window_started_at: datetime
    locked_until: datetime | None = None
