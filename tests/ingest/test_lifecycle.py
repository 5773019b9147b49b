"""The complaint lifecycle: which status moves are allowed, and clear refusals for the rest."""

from __future__ import annotations

import pytest

from ingest.lifecycle import STATUSES, TRANSITIONS, TransitionError, check_transition, is_open

ALLOWED = [
    ("awaiting_verification", "verified"),
    ("verified", "forwarded"),
    ("forwarded", "in_progress"),
    ("forwarded", "responded"),
    ("in_progress", "responded"),
    ("responded", "closed"),
    ("responded", "in_progress"),
    ("closed", "archived"),
    ("awaiting_verification", "rejected"),
    ("rejected", "awaiting_verification"),
    ("verified", "merged"),
    ("merged", "awaiting_verification"),
]
REFUSED = [
    ("awaiting_verification", "forwarded", "cannot become forwarded"),
    ("awaiting_verification", "closed", "cannot become closed"),
    ("archived", "awaiting_verification", "it is final"),
    ("closed", "closed", "already closed"),
    ("verified", "done", "unknown status"),
]


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_moves(current, new):
    check_transition(current, new)


@pytest.mark.parametrize(("current", "new", "words"), REFUSED)
def test_refused_moves_say_why(current, new, words):
    with pytest.raises(TransitionError, match=words):
        check_transition(current, new)


def test_every_status_has_its_moves_and_only_known_targets():
    assert set(TRANSITIONS) == set(STATUSES)
    for targets in TRANSITIONS.values():
        assert targets <= set(STATUSES)


def test_open_statuses_wait_for_someone():
    assert is_open("verified") and is_open("responded")
    assert not is_open("closed") and not is_open("rejected") and not is_open("merged")
