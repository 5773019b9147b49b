"""The link facts of one mention, each looked up when `ingest.link.decide_link` first reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ingest.link import KnownFacts
from ingest.mention import Mention
from ingest.triage import Triage

if TYPE_CHECKING:
    from ingest.store.batch import MentionBatch


# Each lookup with the facts it finds together: reading one of them runs it once for all.
_LOOKUPS: tuple[tuple[tuple[str, ...], Callable[[MentionBatch, Mention, Triage | None], dict[str, Any]]], ...] = (
    (("edited_complaint", "edited_known"), lambda batch, mention, _: batch.edit_facts(mention)),
    (("retweeted_complaint",), lambda batch, mention, _: {"retweeted_complaint": batch.complaint_of(mention.retweet_of)}),
    (("quoted_complaint",), lambda batch, mention, _: {"quoted_complaint": batch.complaint_of(mention.quote_of)}),
    (("thread_complaint",), lambda batch, mention, _: {"thread_complaint": batch.thread_complaint(mention)}),
    (("recent_complaint",), lambda batch, mention, _: {"recent_complaint": batch.recent_complaint(mention)}),
    (("repeated_complaint", "repeat_reason"), lambda batch, mention, triage: batch.repeat(mention, triage)),
    (("related_complaint", "related_reason", "campaign_complaint", "campaign_reason"),
     lambda batch, mention, triage: batch.related(mention, triage)),
)
_LOOKUP_OF = {name: lookup for lookup in _LOOKUPS for name in lookup[0]}
_DEFAULT_FACTS = KnownFacts()


class _Fact:
    """One field of `KnownFacts`, read from the mention's lookups (run on first read)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, facts: LazyFacts, owner: type) -> Any:
        if self.name not in facts.found:
            names, look_up = _LOOKUP_OF[self.name]
            facts.found.update({name: getattr(_DEFAULT_FACTS, name) for name in names})
            facts.found.update(look_up(facts.batch, facts.mention, facts.triage))
        return facts.found[self.name]


class LazyFacts:
    """The `KnownFacts` of one mention, each looked up in the batch's session when first read."""

    edited_complaint = _Fact()
    edited_known = _Fact()
    retweeted_complaint = _Fact()
    quoted_complaint = _Fact()
    thread_complaint = _Fact()
    recent_complaint = _Fact()
    repeated_complaint = _Fact()
    repeat_reason = _Fact()
    related_complaint = _Fact()
    related_reason = _Fact()
    campaign_complaint = _Fact()
    campaign_reason = _Fact()

    def __init__(self, batch: MentionBatch, mention: Mention, triage: Triage | None) -> None:
        self.batch, self.mention, self.triage = batch, mention, triage
        self.found: dict[str, Any] = {}
