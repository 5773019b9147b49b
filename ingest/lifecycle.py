"""A complaint's statuses and the moves between them, as SP4N-LAPOR! runs a report. Pure.

    awaiting_verification ─► verified ─► forwarded ─► in_progress ─► responded ─► closed ─► archived
            │                  │             │             │             │
            └──────────────────┴─────────────┴─────► rejected ─► archived
    any open status ─► merged (into another complaint); merged ─► awaiting_verification (unmerge)

An officer verifies a report (within 3 working days), forwards it to the responsible agency,
the agency handles it and responds, and the report closes. A response that does not settle
the problem sends it back to in_progress; a rejection can be undone by an officer. An agency
that says a forwarded complaint is not its business sends it back to verified, for an
officer to route again.
"""

from __future__ import annotations

STATUSES = (
    "awaiting_verification",
    "verified",
    "forwarded",
    "in_progress",
    "responded",
    "closed",
    "rejected",
    "archived",
    "merged",
)
_OPEN = ("awaiting_verification", "verified", "forwarded", "in_progress", "responded")
TRANSITIONS: dict[str, frozenset[str]] = {
    "awaiting_verification": frozenset({"verified", "rejected", "merged", "archived"}),
    "verified": frozenset({"forwarded", "rejected", "merged", "awaiting_verification"}),
    "forwarded": frozenset({"in_progress", "responded", "rejected", "merged", "verified"}),
    "in_progress": frozenset({"responded", "merged", "verified"}),
    "responded": frozenset({"closed", "in_progress", "merged"}),
    "closed": frozenset({"archived", "in_progress"}),
    "rejected": frozenset({"awaiting_verification", "archived"}),
    "merged": frozenset({"awaiting_verification"}),
    "archived": frozenset(),
}


class TransitionError(ValueError):
    """A status change that the lifecycle does not allow; the message says which are allowed."""


def is_open(status: str) -> bool:
    """Return whether a complaint in `status` still waits for someone to act."""
    return status in _OPEN


def check_transition(current: str, new: str) -> None:
    """Raise TransitionError unless a complaint may move from `current` to `new`."""
    if new not in TRANSITIONS:
        raise TransitionError(f"unknown status {new!r}; one of: {', '.join(STATUSES)}")
    if new == current:
        raise TransitionError(f"the complaint is already {current}")
    allowed = TRANSITIONS.get(current, frozenset())
    if new not in allowed:
        options = ", ".join(sorted(allowed)) or "none (it is final)"
        raise TransitionError(f"a complaint that is {current} cannot become {new}; allowed: {options}")
