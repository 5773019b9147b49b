"""Keep raw tweets and personal data only as long as the retention settings say.

- Raw tweet JSON (mention.raw_json, quarantine.raw_json) older than `raw_days` becomes "{}".
  A mention whose reply is still undecided (reply_state "pending") keeps its raw JSON: the reply
  queue reads the tweet from it.
- The texts of complaints closed, rejected or archived more than `text_days` ago, and of their
  mentions, are masked: each piece of personal data (ingest.personal_data: NIK/KK, phone, e-mail,
  account and plate numbers) becomes its mask ("[NIK]", "[TELEPON]"…). Masking rather than
  replacing keeps the text useful for statistics, dedupe and retraining while the numbers that
  identify a person are gone. Mentions that never became a complaint (questions, thanks, spam…)
  are masked `text_days` after they were posted. The rows get the flag "text_masked"; the
  near-duplicate index is rebuilt from the masked text.

`enforce_retention` is idempotent and bounded: at most `batch` rows per transaction and
`max_batches` transactions per kind of row and run; `RetentionReport.more` says that a limit
was reached and the next run continues. Forgotten rows (ingest.store.forget) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ingest.dedupe import signature
from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.store.forget import FORGOTTEN_FLAG, with_flag
from ingest.store.models import ComplaintRow, MentionRow, NearDuplicateTextRow, QuarantineRow
from ingest.store.near_duplicates import index_complaint
from ingest.store.store import Store

MASKED_FLAG = "text_masked"
FINISHED = ("closed", "rejected", "archived")
DEFAULT_RAW_DAYS = 30
DEFAULT_TEXT_DAYS = 365
BATCH = 500
MAX_BATCHES = 20
EMPTY = "{}"


@dataclass
class RetentionReport:
    """What one run changed, and whether rows are left for the next run."""

    raw_emptied: int = 0  # mention.raw_json
    quarantine_emptied: int = 0
    complaints_masked: int = 0
    mentions_masked: int = 0
    more: bool = False

    @property
    def total(self) -> int:
        """Return the number of rows changed."""
        return self.raw_emptied + self.quarantine_emptied + self.complaints_masked + self.mentions_masked

    def summary(self) -> str:
        """Return the figures as one line."""
        return (f"raw JSON emptied: {self.raw_emptied} mentions, {self.quarantine_emptied} quarantined; "
                f"texts masked: {self.complaints_masked} complaints, {self.mentions_masked} mentions"
                + ("; more left for the next run" if self.more else ""))


def enforce_retention(
    store: Store,
    now: datetime,
    raw_days: int | None = DEFAULT_RAW_DAYS,
    text_days: int | None = DEFAULT_TEXT_DAYS,
    *,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> RetentionReport:
    """Empty old raw JSON and mask old finished complaints' texts (None days: keep that kind forever)."""
    for days in (raw_days, text_days):
        if days is not None and days < 1:
            raise ValueError(f"retention days must be at least 1, not {days}")
    report = RetentionReport()
    if raw_days is not None:
        cutoff = now - timedelta(days=raw_days)
        report.raw_emptied, more_raw = _repeat(store, batch, max_batches, lambda s: _empty_mentions(s, cutoff, batch))
        report.quarantine_emptied, more_q = _repeat(store, batch, max_batches,
                                                    lambda s: _empty_quarantine(s, cutoff, batch))
        report.more |= more_raw or more_q
    if text_days is not None:
        cutoff = now - timedelta(days=text_days)
        masked = [0, 0]
        _, more_text = _repeat(store, batch, max_batches, lambda s: _mask_complaints(s, cutoff, batch, masked))
        _, more_loose = _repeat(store, batch, max_batches, lambda s: _mask_loose_mentions(s, cutoff, batch, masked))
        report.complaints_masked, report.mentions_masked = masked
        report.more |= more_text or more_loose
    if report.total:
        store.record_event("retention", report.summary(), now)
    return report


def mask_text(text: str) -> str:
    """Return the text with its personal data masked."""
    spans = find_personal_data(text)
    return mask_personal_data(text, spans) if spans else text


def _repeat(store: Store, batch: int, max_batches: int, step: Any) -> tuple[int, bool]:
    """Run `step` (rows handled in one transaction) until a short batch or the limit; return (rows, more)."""
    changed = 0
    for _ in range(max_batches):
        with store.session() as session:
            seen, done = step(session)
        changed += done
        if seen < batch:
            return changed, False
    return changed, True


def _empty_mentions(session: Session, cutoff: datetime, batch: int) -> tuple[int, int]:
    ids = list(session.exec(
        select(MentionRow.tweet_id)
        .where(col(MentionRow.created_at) < cutoff, MentionRow.raw_json != EMPTY, MentionRow.reply_state != "pending")
        .order_by(col(MentionRow.created_at))
        .limit(batch)
    ))
    if ids:
        session.execute(update(MentionRow).where(col(MentionRow.tweet_id).in_(ids)).values(raw_json=EMPTY))
    return len(ids), len(ids)


def _empty_quarantine(session: Session, cutoff: datetime, batch: int) -> tuple[int, int]:
    ids = list(session.exec(
        select(QuarantineRow.id)
        .where(col(QuarantineRow.created_at) < cutoff, QuarantineRow.raw_json != EMPTY)
        .order_by(col(QuarantineRow.id))
        .limit(batch)
    ))
    if ids:
        session.execute(update(QuarantineRow).where(col(QuarantineRow.id).in_(ids)).values(raw_json=EMPTY))
    return len(ids), len(ids)


def _unmasked(column: Any) -> Any:
    flags = col(column)
    return ~flags.contains(f'"{MASKED_FLAG}"') & ~flags.contains(f'"{FORGOTTEN_FLAG}"')


def _mask_complaints(session: Session, cutoff: datetime, batch: int, masked: list[int]) -> tuple[int, int]:
    """Mask one batch of finished complaints and their mentions; return (rows seen, rows changed)."""
    finished_at = func.coalesce(ComplaintRow.closed_at, ComplaintRow.status_changed_at, ComplaintRow.updated_at)
    complaints = list(session.exec(
        select(ComplaintRow)
        .where(col(ComplaintRow.status).in_(FINISHED), finished_at < cutoff, _unmasked(ComplaintRow.flags_json))
        .order_by(col(ComplaintRow.id))
        .limit(batch)
    ))
    changed = 0  # complaints whose text held personal data
    for complaint in complaints:
        assert complaint.id is not None
        text = mask_text(complaint.text)
        if text != complaint.text:
            complaint.text = text
            if session.get(NearDuplicateTextRow, complaint.id) is not None:
                index_complaint(session, complaint.id, signature(text))  # the index holds a normalised copy
            changed += 1
        complaint.flags_json = with_flag(complaint.flags_json, MASKED_FLAG)
        masked[0] += 1
        mentions = session.exec(select(MentionRow).where(MentionRow.complaint_id == complaint.id,
                                                         _unmasked(MentionRow.flags_json)))
        for mention in mentions:
            _mask_mention(mention)
            masked[1] += 1
    return len(complaints), changed


def _mask_loose_mentions(session: Session, cutoff: datetime, batch: int, masked: list[int]) -> tuple[int, int]:
    """Mask one batch of old mentions that belong to no complaint."""
    mentions = list(session.exec(
        select(MentionRow)
        .where(col(MentionRow.complaint_id).is_(None), col(MentionRow.created_at) < cutoff,
               MentionRow.reply_state != "pending", _unmasked(MentionRow.flags_json))
        .order_by(col(MentionRow.created_at))
        .limit(batch)
    ))
    for mention in mentions:
        _mask_mention(mention)
    masked[1] += len(mentions)
    return len(mentions), len(mentions)


def _mask_mention(mention: MentionRow) -> None:
    mention.text = mask_text(mention.text)
    mention.raw_json = EMPTY  # the raw tweet repeats the text
    mention.flags_json = with_flag(mention.flags_json, MASKED_FLAG)
