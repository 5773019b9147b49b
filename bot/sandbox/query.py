"""A small subset of X's search query language for GET /2/tweets/search/recent.

Supported (X API v2 "Build a query"): `@user`, `from:`, `to:`, `is:retweet`,
`is:reply`, `is:quote`, `lang:`, `#tag`, bare words and "quoted phrases",
each negatable with `-`, joined by spaces (AND) and by `OR` (lowest
precedence). Parentheses are not supported and are refused with a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import entities as ent
from .problems import invalid_request
from .timeline import Timeline

Predicate = Callable[[dict[str, Any]], bool]
_TERM = re.compile(r'-?"[^"]*"|\S+')


def _ref_types(tweet: dict[str, Any]) -> set[str]:
    return {ref["type"] for ref in tweet["referenced_tweets"]}


def _operator(timeline: Timeline, term: str) -> Predicate:
    lowered = term.lower()
    if term.startswith("@") and len(term) > 1:
        return lambda t: ent.has_mention(timeline.full_text(t), term[1:])
    if lowered.startswith("from:"):
        return lambda t: timeline.users[t["author_id"]]["username"].lower() == lowered[5:]
    if lowered.startswith("to:"):
        target = timeline.user_id(lowered[3:])
        return lambda t: target is not None and t["in_reply_to_user_id"] == target
    kinds = {"is:retweet": "retweeted", "is:reply": "replied_to", "is:quote": "quoted"}
    if lowered in kinds:
        return lambda t: kinds[lowered] in _ref_types(t)
    if lowered.startswith("lang:"):
        return lambda t: (t["lang"] or "") == lowered[5:]
    if term.startswith("#") and len(term) > 1:
        return lambda t: lowered[1:] in re.findall(r"#(\w+)", timeline.full_text(t).lower())
    words = term.strip('"').lower()
    return lambda t: words in timeline.full_text(t).lower()


def _conjunction(timeline: Timeline, terms: list[str]) -> Predicate:
    checks: list[tuple[bool, Predicate]] = []
    for term in terms:
        negated = term.startswith("-") and len(term) > 1
        checks.append((negated, _operator(timeline, term[1:] if negated else term)))
    return lambda t: all(check(t) != negated for negated, check in checks)


def compile_query(timeline: Timeline, query: str) -> Predicate:
    """Return a predicate telling whether a tweet matches `query`."""
    if not query.strip() or len(query) > 512:
        raise invalid_request("query", query, "The `query` query parameter value must be "
                                              "between 1 and 512 characters long")
    if "(" in query or ")" in query:
        raise invalid_request("query", query, "Sandbox: parentheses in search queries are not "
                                              "supported; use space (AND) and OR")
    groups: list[list[str]] = [[]]
    for term in _TERM.findall(query):
        if term == "OR":
            groups.append([])
        else:
            groups[-1].append(term)
    if any(not group for group in groups):
        raise invalid_request("query", query, f"There were errors processing your request: "
                                              f"Ambiguous use of OR in query [{query}]")
    alternatives = [_conjunction(timeline, group) for group in groups]
    return lambda t: any(match(t) for match in alternatives)
