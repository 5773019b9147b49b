"""Walk the mentions timeline without trusting next_token to cover everything (pure).

Pages follow next_token as X documents; every mention newer than the walk's frontier is known
read, and a page that lands below the frontier makes the walk read the span between by
`until_id` first. The poller (`ingest.poll`) fetches what `next_request` asks for and feeds
the answer to `step`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PageRequest:
    """One request to the mentions timeline."""

    since_id: str | None
    until_id: str | None = None
    pagination_token: str | None = None


@dataclass(frozen=True)
class Skip:
    """Mentions between two ids that next_token passed over, found by until_id."""

    after_id: str | None  # exclusive; None: no lower end (the first start)
    before_id: int  # exclusive
    found: int


@dataclass(frozen=True)
class _Below:
    """A page read below a span still to check: where the walk goes on after the span."""

    oldest: int
    token: str | None
    full: bool


@dataclass(frozen=True)
class _Check:
    """A span read by until_id, newest first, until X answers that nothing is left in it."""

    floor: str | None  # the span's since_id
    top: int  # the span's until_id when the check began
    below: _Below | None  # None: the check ends the walk
    found: int = 0


@dataclass(frozen=True)
class Walk:
    """Where one poll's read of the mentions timeline stands.

    Pages follow next_token as X documents, but a token that jumps over mentions looks like
    any other. So every mention newer than `frontier` is known read, and when a page lands
    below the frontier the span between is read by `until_id` first (normally one empty
    answer: X bills posts, not requests). A full last page without next_token is checked
    the same way, in case the token went missing.
    """

    since_id: str | None
    frontier: int | None = None
    token: str | None = None
    check: _Check | None = None
    skips: tuple[Skip, ...] = ()
    done: bool = False


def next_request(walk: Walk) -> PageRequest | None:
    """Return the request the walk needs next, or None when the timeline is read."""
    if walk.done:
        return None
    if walk.check is not None:
        return PageRequest(walk.check.floor, until_id=str(walk.frontier))
    return PageRequest(walk.since_id, pagination_token=walk.token)


def step(walk: Walk, ids: list[int], next_token: str | None, *, full: bool) -> Walk:
    """Return the walk after the answer to `next_request(walk)`: its ids, next_token, fullness."""
    if walk.check is not None:
        return _step_check(walk, walk.check, ids)
    if not ids:
        return _after_page(walk, next_token, full)
    newest, oldest = max(ids), min(ids)
    if walk.frontier is None or newest >= walk.frontier:
        # The first page, or one overlapping what is read (a page served again): no span between.
        frontier = oldest if walk.frontier is None else min(walk.frontier, oldest)
        return _after_page(replace(walk, frontier=frontier), next_token, full)
    check = _Check(str(newest), walk.frontier, _Below(oldest, next_token, full))
    return replace(walk, token=None, check=check)


def _step_check(walk: Walk, check: _Check, ids: list[int]) -> Walk:
    below = [i for i in ids if walk.frontier is not None and i < walk.frontier]
    if below:
        return replace(walk, frontier=min(below), check=replace(check, found=check.found + len(below)))
    # Nothing left in the span (or X ignored until_id, which must not loop).
    found = (Skip(check.floor, check.top, check.found),) if check.found else ()
    walk = replace(walk, check=None, skips=walk.skips + found)
    if check.below is None:
        return replace(walk, done=True)
    return _after_page(replace(walk, frontier=check.below.oldest), check.below.token, check.below.full)


def _after_page(walk: Walk, next_token: str | None, full: bool) -> Walk:
    if next_token:
        return replace(walk, token=next_token)
    if full and walk.frontier is not None:
        return replace(walk, token=None, check=_Check(walk.since_id, walk.frontier, None))
    return replace(walk, token=None, done=True)
