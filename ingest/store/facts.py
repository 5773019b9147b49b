"""The link facts of one mention, each looked up when `ingest.link.decide_link` first reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ingest.link import KnownFacts
from ingest.mention import Mention
from ingest.triage import Triage

if TYPE_CHECKING:
    from ingest.store.batch import MentionBatch


class LazyFacts:
    """The `KnownFacts` of one mention, each looked up in the batch's session when first read."""

    def __init__(self, batch: MentionBatch, mention: Mention, triage: Triage | None) -> None:
        self._batch, self._mention, self._triage = batch, mention, triage
        self._found: dict[str, Any] = {}

    def _group(self, name: str, look_up: Any) -> Any:
        """Return one fact; its lookup fills every fact it finds (absent ones keep their default)."""
        if name not in self._found:
            for key in _GROUPS[name]:
                self._found.setdefault(key, getattr(_DEFAULT_FACTS, key))
            self._found.update(look_up())
        return self._found[name]

    @property
    def edited_complaint(self) -> int | None:
        return self._group("edited_complaint", lambda: self._batch.edit_facts(self._mention))

    @property
    def edited_known(self) -> bool:
        return self._group("edited_known", lambda: self._batch.edit_facts(self._mention))

    @property
    def retweeted_complaint(self) -> int | None:
        return self._group("retweeted_complaint",
                           lambda: {"retweeted_complaint": self._batch.complaint_of(self._mention.retweet_of)})

    @property
    def quoted_complaint(self) -> int | None:
        return self._group("quoted_complaint",
                           lambda: {"quoted_complaint": self._batch.complaint_of(self._mention.quote_of)})

    @property
    def thread_complaint(self) -> int | None:
        return self._group("thread_complaint",
                           lambda: {"thread_complaint": self._batch.thread_complaint(self._mention)})

    @property
    def recent_complaint(self) -> int | None:
        return self._group("recent_complaint",
                           lambda: {"recent_complaint": self._batch.recent_complaint(self._mention)})

    @property
    def repeated_complaint(self) -> int | None:
        return self._group("repeated_complaint", lambda: self._batch.repeat(self._mention, self._triage))

    @property
    def repeat_reason(self) -> str:
        return self._group("repeat_reason", lambda: self._batch.repeat(self._mention, self._triage))

    @property
    def related_complaint(self) -> int | None:
        return self._group("related_complaint", lambda: self._batch.related(self._mention, self._triage))

    @property
    def related_reason(self) -> str:
        return self._group("related_reason", lambda: self._batch.related(self._mention, self._triage))

    @property
    def campaign_complaint(self) -> int | None:
        return self._group("campaign_complaint", lambda: self._batch.related(self._mention, self._triage))

    @property
    def campaign_reason(self) -> str:
        return self._group("campaign_reason", lambda: self._batch.related(self._mention, self._triage))


_DEFAULT_FACTS = KnownFacts()
# The facts each lookup finds together (reading one of them runs the lookup once for all).
_GROUP_MEMBERS = (
    ("edited_complaint", "edited_known"),
    ("retweeted_complaint",),
    ("quoted_complaint",),
    ("thread_complaint",),
    ("recent_complaint",),
    ("repeated_complaint", "repeat_reason"),
    ("related_complaint", "related_reason", "campaign_complaint", "campaign_reason"),
)
_GROUPS = {name: members for members in _GROUP_MEMBERS for name in members}
