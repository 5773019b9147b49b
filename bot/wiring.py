"""Build the bot from Settings: the store, the X client (real X or the sandbox) and the jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
import os
import secrets
import socket
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import select

from bot.settings import Settings, SettingsError
from ingest.errors import StoreError
from ingest.link import COMPLAINT_KINDS
from ingest.poll import PollConfig, PollReport, known_account_id, poll_once
from ingest.routing import RoutingError, RoutingTable, load_routing
from ingest.store.forget import is_forgotten
from ingest.store.leases import acquire, release
from ingest.store.models import ComplaintRow
from ingest.store.retention import RetentionReport, enforce_retention
from ingest.store.near_duplicates import index_missing, needs_rebuild, rebuild
from ingest.store.store import Store, open_store
from ingest.x_client import XClient
from replies.post import SendReport, send_replies
from replies.compose import ComposeOptions
from replies.policy import ReplyPolicy
from replies.queue import QueueConfig, queue_replies
from replies.forward.deadlines import SlaReport, sla_tick
from replies.forward.outbox import ForwardConfig, ForwardReport, forward_tick
from ingest.workdays import CalendarError, WorkCalendar, load_calendar

if TYPE_CHECKING:
    from bot.sandbox import Sandbox

log = logging.getLogger(__name__)
T = TypeVar("T")
# Sent to a server that is not X (the sandbox, or X_API_BASE_URL with no keys): never real keys.
PLACEHOLDER_KEY = "sandbox-placeholder"


def utc_now() -> datetime:
    """Return the current time, aware, in UTC (the one clock of the bot)."""
    return datetime.now(timezone.utc)


@dataclass
class Bot:
    """Everything a running bot holds; `close()` releases it."""

    settings: Settings
    store: Store
    x: XClient
    sandbox: Sandbox | None = None
    routing: RoutingTable | None = None
    calendar: WorkCalendar | None = None
    totals: dict[str, int] = field(default_factory=dict)
    # Names this process to the others on the database (the poll lease).
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")

    @property
    def poll_lease(self) -> timedelta:
        """Return how long the poll lease lasts without renewal (a dead poller's lease expires)."""
        return timedelta(seconds=max(3 * self.settings.poll_seconds, 60))

    @property
    def forward_config(self) -> ForwardConfig:
        """Return the forward job's configuration."""
        settings = self.settings
        assert self.routing is not None
        hint = (f"Mohon laporkan tindak lanjut paling lambat {settings.sla_respond_days} hari kerja "
                "setelah pengaduan ini diteruskan.")
        return ForwardConfig(
            routing=self.routing, status_url=settings.followup_url, smtp=settings.smtp,
            officer_email=settings.officer_email, secrets=settings.agency_secrets, open311_keys=settings.open311_keys,
            auto_forward=settings.auto_forward, max_attempts=settings.forward_max_attempts,
            digest_hour=settings.digest_hour, respond_hint=hint,
        )

    def forward(self) -> ForwardReport | None:
        """Forward verified complaints to their agencies and deliver the agency outbox; never raise."""
        report = self._guarded("forward", lambda: forward_tick(self.store, utc_now, self.forward_config))
        if report is None:
            return None
        self._count("forwards sent", report.sent)
        self._count("forwards dead-lettered", report.dead)
        if report.sent or report.dead or report.retried or report.responses:
            log.info("forward: %d queued, %d sent, %d to retry, %d dead, %d digests, %d Open311 responses",
                     report.queued, report.sent, report.retried, report.dead, report.digests, report.responses)
        for problem in report.problems:
            log.error("forward: %s", problem)
        return report

    def retention(self) -> RetentionReport | None:
        """Empty raw tweets and mask finished complaints' texts past their retention; never raise."""
        settings = self.settings
        report = self._guarded("retention", lambda: enforce_retention(
            self.store, utc_now(), raw_days=settings.retention_raw_days, text_days=settings.retention_text_days))
        if report is not None and report.total:
            log.info("retention: %d raw tweets emptied, %d quarantined payloads emptied, %d complaints and %d "
                     "mentions masked%s", report.raw_emptied, report.quarantine_emptied, report.complaints_masked,
                     report.mentions_masked, " (more next run)" if report.more else "")
        return report

    def sla(self) -> SlaReport | None:
        """Keep the SLA deadlines, flag and notify breaches once, auto-close; never raise."""
        assert self.calendar is not None
        calendar = self.calendar
        report = self._guarded(
            "sla", lambda: sla_tick(self.store, utc_now(), self.forward_config, calendar, self.settings.sla)
        )
        if report is None:
            return None
        self._count("SLA breaches", len(report.breaches))
        self._count("complaints auto-closed", len(report.closed))
        for breach in report.breaches:
            log.warning("SLA breach: %s", breach)
        if report.closed:
            log.info("auto-closed after the response: %s", ", ".join(report.closed))
        return report

    @property
    def poll_config(self) -> PollConfig:
        """Return the poller's configuration."""
        kinds = COMPLAINT_KINDS | ({"permintaan_informasi"} if self.settings.info_opens_complaint else set())
        return PollConfig(
            account=self.settings.account, backfill_hours=self.settings.backfill_hours, complaint_kinds=kinds,
            routing=self.routing, thresholds=self.settings.dedupe,
        )

    def queue_config(self, account_id: str) -> QueueConfig:
        """Return the reply queue's configuration."""
        settings = self.settings
        return QueueConfig(
            account_id=account_id,
            compose=ComposeOptions(followup_url=settings.followup_url, ack_link=settings.ack_link),
            policy=ReplyPolicy(
                thanks_replies=settings.thanks_replies, per_author_per_day=settings.replies_per_author_per_day
            ),
            dry_run=settings.dry_run,
        )

    def poll(self) -> PollReport | None:
        """Run the poll job once if this process holds the poll lease; report, never raise."""
        held = self._guarded("poll lease", lambda: acquire(self.store, "poll", self.worker_id, utc_now(),
                                                           self.poll_lease))
        if not held:
            if held is not None:
                log.debug("poll skipped: another process holds the poll lease")
            return None
        report = self._guarded("poll", lambda: poll_once(self.x, self.store, utc_now, self.poll_config))
        if report is None:
            return None
        self._count("mentions read", report.counts.stored)
        self._count("complaints opened", report.counts.complaints)
        log.info(
            "poll %s: %d pages, %d new mentions, %d already stored, %d quarantined%s",
            report.status, report.pages, report.counts.stored, report.counts.already_stored,
            report.counts.quarantined, _detail(report.message),
        )
        return report

    def send(self) -> SendReport | None:
        """Queue acknowledgements for new complaints and post what is due; never raise."""
        report = self._guarded("send", self._queue_and_send)
        if report is None:
            return None
        self._count("replies posted", report.posted)
        if report.posted or report.failed or report.status != "ok":
            log.info(
                "send %s: %d posted, %d failed%s",
                report.status, report.posted, report.failed, _detail(report.message),
            )
        return report

    def _queue_and_send(self) -> SendReport:
        account_id = known_account_id(self.store, self.settings.account)
        if account_id is not None:
            queued = queue_replies(self.store, utc_now, self.queue_config(account_id))
            self._count("replies queued", queued.queued + queued.followups)
        return send_replies(
            self.x, self.store, utc_now, dry_run=self.settings.dry_run, posting_enabled=self.settings.posting_enabled
        )

    def _guarded(self, name: str, job: Callable[[], T]) -> T | None:
        """Run one tick of a job; a failure is logged and the scheduler lives on."""
        try:
            return job()
        except StoreError as exc:
            log.error("%s skipped: %s", name, exc)
        except Exception:  # noqa: BLE001 - the scheduler must survive any tick
            log.exception("%s failed", name)
        return None

    def close(self) -> None:
        """Give up the poll lease, stop the sandbox (if any) and release the database."""
        self._guarded("poll lease", lambda: release(self.store, "poll", self.worker_id))
        self.store.close()
        if self.sandbox is not None:
            self.sandbox.stop()

    def _count(self, name: str, value: int) -> None:
        self.totals[name] = self.totals.get(name, 0) + value


def _detail(message: str) -> str:
    return f" ({message})" if message else ""


def load_routing_table(settings: Settings) -> RoutingTable:
    """Load the operator's routing table (LAPOR_ROUTING_FILE) or the shipped one."""
    try:
        return load_routing(settings.routing_file)
    except RoutingError as exc:
        raise SettingsError(f"LAPOR_ROUTING_FILE: {exc}") from None


def _ensure_near_duplicate_index(store: Store) -> None:
    """Index complaints stored before the near-duplicate index, or rebuild it after a version change."""
    with store.session() as session:
        if needs_rebuild(session):
            rows = session.exec(select(ComplaintRow.id, ComplaintRow.text, ComplaintRow.flags_json)).all()
            # A forgotten complaint's marker text must not make all of them near-duplicates.
            count = rebuild(session, [(cid, "" if is_forgotten(flags) else text)
                                      for cid, text, flags in rows if cid is not None])
            log.info("near-duplicate index rebuilt: %d complaints", count)
        elif count := index_missing(session):
            log.info("near-duplicate index: %d complaints added", count)


def build_bot(settings: Settings) -> Bot:
    """Open the store and the X client the settings ask for (the sandbox if no keys)."""
    routing = load_routing_table(settings)
    try:
        calendar = load_calendar(settings.holidays_file)
    except (CalendarError, OSError) as exc:
        raise SettingsError(f"LAPOR_HOLIDAYS_FILE: {exc}") from None
    sandbox = None
    base_url = settings.api_base_url
    credentials = settings.credentials
    if settings.use_embedded_sandbox:
        from bot.sandbox import Sandbox

        try:
            sandbox = Sandbox(account=settings.account, state_path=settings.sandbox_state).start()
        except (ValueError, OSError) as exc:
            raise SettingsError(f"LAPOR_SANDBOX_STATE cannot be used: {exc}") from None
        base_url = sandbox.url
        log.info("no X credentials: using the built-in X API sandbox at %s", base_url)
    elif not credentials.any:
        log.warning("no X credentials: sending placeholder keys to %s", base_url)
    real = credentials.any
    x = XClient(
        base_url,
        bearer_token=credentials.bearer_token if real else None,
        api_key=credentials.api_key if real else PLACEHOLDER_KEY,
        api_secret=credentials.api_secret if real else PLACEHOLDER_KEY,
        access_token=credentials.access_token if real else PLACEHOLDER_KEY,
        access_token_secret=credentials.access_token_secret if real else PLACEHOLDER_KEY,
    )
    try:
        store = open_store(settings.database_url)
        _ensure_near_duplicate_index(store)
    except StoreError:
        if sandbox is not None:
            sandbox.stop()
        raise
    return Bot(settings=settings, store=store, x=x, sandbox=sandbox, routing=routing, calendar=calendar)
