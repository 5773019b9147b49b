"""Shared fakes and X-shaped payload builders for the tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"
X_BASE = "https://api.x.com"
ACCOUNT_ID = "1700000000000000001"
START = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)


def sample(name: str) -> Any:
    """Return the parsed JSON of tests/samples/<name>.json."""
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def tweet(
    tweet_id: str,
    text: str,
    *,
    author_id: str = "2244994945",
    created_at: str = "2026-11-28T00:40:00.000Z",
    **fields: Any,
) -> dict[str, Any]:
    """Return a tweet object shaped like X API v2's, with the fields the bot asks for."""
    return {
        "id": tweet_id,
        "text": text,
        "author_id": author_id,
        "conversation_id": fields.pop("conversation_id", tweet_id),
        "created_at": created_at,
        "lang": fields.pop("lang", "in"),
        "edit_history_tweet_ids": fields.pop("edit_history_tweet_ids", [tweet_id]),
        **fields,
    }


def page(tweets: list[dict[str, Any]], next_token: str | None = None, **extra: Any) -> dict[str, Any]:
    """Return a mentions page (newest first) with meta as X builds it."""
    if not tweets:
        return {"meta": {"result_count": 0}}
    meta: dict[str, Any] = {
        "result_count": len(tweets),
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
    }
    if next_token:
        meta["next_token"] = next_token
    users = [{"id": t["author_id"], "name": "Warga", "username": f"warga{t['author_id'][-4:]}"} for t in tweets]
    return {"data": tweets, "includes": {"users": users}, "meta": meta, **extra}
