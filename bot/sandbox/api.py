"""The sandbox's endpoints: decide the answer to one request, no HTTP plumbing.

Endpoints and behaviour follow the X API v2 reference:
GET /2/users/me, GET /2/users/by/username/:username, GET /2/users/:id/mentions,
GET /2/tweets/search/recent and POST /2/tweets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from . import entities as ent
from . import params as p
from .faults import SHAPING_KINDS, shape_answer
from .limits import Fault, FaultScript, RateLimiter
from .problems import (DUPLICATE_CONTENT, TEXT_TOO_LONG, Answer, ApiError, forbidden,
                       invalid_request, problem, resource_not_found, route_not_found,
                       too_many_requests, unauthorized, unsupported_authentication,
                       usage_capped)
from .query import compile_query
from .render import render_page, render_user
from .timeline import Timeline

SEARCH_REACH_MS = 7 * 24 * 60 * 60 * 1000
RESET = Answer(0)


@dataclass(frozen=True)
class Request:
    """What the sandbox needs from one HTTP request."""

    method: str
    path: str
    params: dict[str, str]
    authorization: str | None
    body: bytes = b""


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/2/users/me"), "me"),
    ("GET", re.compile(r"/2/users/([^/]+)/mentions"), "mentions"),
    ("GET", re.compile(r"/2/users/by/username/([^/]+)"), "users"),
    ("GET", re.compile(r"/2/tweets/search/recent"), "search"),
    ("POST", re.compile(r"/2/tweets"), "create"),
]


def _target(request: Request) -> str:
    """Return what scripted faults match: the path and the query (e.g. "pagination_token=")."""
    return request.path + "?" + urlencode(request.params)


def _route(request: Request) -> tuple[str, list[str]] | None:
    for method, pattern, endpoint in _ROUTES:
        found = pattern.fullmatch(request.path)
        if found and method == request.method:
            return endpoint, list(found.groups())
    return None


class Api:
    """Answer requests against a timeline, with rate limits and scripted faults."""

    def __init__(self, timeline: Timeline, *, clock: Callable[[], float], mentions_cap: int,
                 limiter: RateLimiter, faults: FaultScript,
                 on_change: Callable[[], None]) -> None:
        self.timeline = timeline
        self.clock = clock
        self.mentions_cap = mentions_cap
        self.limiter = limiter
        self.faults = faults
        self.on_change = on_change

    def answer(self, request: Request) -> Answer:
        """Return the answer to `request`."""
        fault = self.faults.take(_target(request), request.method)
        if fault is not None and fault.kind in SHAPING_KINDS:
            return shape_answer(fault, request, self._answer)
        if fault is not None:
            route = _route(request)
            return self._fault(fault, route[0] if route else None)
        return self._answer(request)

    def _answer(self, request: Request) -> Answer:
        route = _route(request)
        if route is None:
            return route_not_found()
        endpoint, args = route
        try:
            self._authorize(endpoint, request.authorization)
        except ApiError as refused:
            return refused.answer
        allowed, headers = self.limiter.take(endpoint, self.clock())
        if not allowed:
            return Answer(429, too_many_requests(), headers)
        handler = getattr(self, "_" + endpoint)
        try:
            answer: Answer = handler(request, *args)
        except ApiError as refused:
            answer = refused.answer
        answer.headers = {**headers, **answer.headers}
        return answer

    # -- cross-cutting -------------------------------------------------------

    def _fault(self, fault: Fault, endpoint: str | None) -> Answer:
        if fault.status == 0:
            return RESET
        now = self.clock()
        headers = self.limiter.headers(endpoint, now) if endpoint else {}
        body = fault.body
        if fault.kind == "rate_limit":
            limit = str(self.limiter.limit(endpoint)) if endpoint else "450"
            headers = {"x-rate-limit-limit": limit, "x-rate-limit-remaining": "0"}
            if fault.reset_in is not None:
                headers["x-rate-limit-reset"] = str(int(now) + fault.reset_in)
            body = too_many_requests()
        elif fault.kind == "usage_cap":
            body = usage_capped()
        elif body is None:
            body = problem(fault.status)
        return Answer(fault.status, body, {**headers, **(fault.headers or {})})

    @staticmethod
    def _authorize(endpoint: str, authorization: str | None) -> None:
        scheme, _, credential = (authorization or "").strip().partition(" ")
        if scheme not in ("Bearer", "OAuth") or credential.strip() in ("", "None", "null"):
            raise unauthorized()
        if scheme == "Bearer" and endpoint in ("me", "create"):
            raise unsupported_authentication()

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _page(self, candidates: list[dict[str, Any]], params: dict[str, str], token: str,
              low: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        since, until = p.tweet_id(params, "since_id"), p.tweet_id(params, "until_id")
        start, end = p.timestamp_ms(params, "start_time"), p.timestamp_ms(params, "end_time")
        below = p.page_token(params, token)
        size = p.max_results(params, low, 100)
        if start is not None and end is not None and end <= start:
            raise invalid_request("end_time", params["end_time"],
                                  "Invalid 'end_time'. 'end_time' must be after 'start_time'")
        chosen = [t for t in candidates
                  if (since is None or int(t["id"]) > since)
                  and (until is None or int(t["id"]) < until)
                  and (below is None or int(t["id"]) < below)
                  and (start is None or t["created_ms"] >= start)
                  and (end is None or t["created_ms"] < end)]
        page = chosen[:size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(chosen) > size:
            meta["next_token"] = p.encode_token(page[-1]["id"])
        return page, meta

    # -- endpoints -----------------------------------------------------------

    def _me(self, request: Request) -> Answer:
        p.check_names(request.params, p.ME_PARAMS)
        fields = p.fields(request.params, p.USER_EXPANSIONS)
        account = self.timeline.users[self.timeline.account_id]
        return Answer(200, {"data": render_user(account, fields)})

    def _users(self, request: Request, username: str) -> Answer:
        p.check_names(request.params, p.ME_PARAMS)
        fields = p.fields(request.params, p.USER_EXPANSIONS)
        user_id = self.timeline.user_id(username)
        if user_id is None:
            return Answer(200, {"errors": [resource_not_found("user", "username", username)]})
        return Answer(200, {"data": render_user(self.timeline.users[user_id], fields)})

    def _mentions(self, request: Request, user_id: str) -> Answer:
        p.check_names(request.params, p.MENTIONS_PARAMS)
        if not re.fullmatch(r"[0-9]{1,19}", user_id):
            raise invalid_request("id", user_id, f"The `id` query parameter value [{user_id}] "
                                                 f"does not match ^[0-9]{{1,19}}$")
        fields = p.fields(request.params, p.TWEET_EXPANSIONS)
        user = self.timeline.users.get(user_id)
        if user is None:
            # X answers 200 with only a not-found error for an unknown user.
            return Answer(200, {"errors": [resource_not_found("user", "id", user_id)]})
        reachable = self.timeline.mentions_of(user["username"])[:self.mentions_cap]
        page, meta = self._page(reachable, request.params, "pagination_token", 5)
        return Answer(200, render_page(self.timeline, page, fields, meta))

    def _search(self, request: Request) -> Answer:
        p.check_names(request.params, p.SEARCH_PARAMS)
        query = request.params.get("query")
        if query is None:
            raise invalid_request("query", "", "The `query` query parameter can not be empty")
        match = compile_query(self.timeline, query)
        fields = p.fields(request.params, p.TWEET_EXPANSIONS)
        if request.params.get("sort_order", "recency") not in ("recency", "relevancy"):
            raise invalid_request("sort_order", request.params["sort_order"],
                                  "The `sort_order` query parameter value is not one of "
                                  "[recency,relevancy]")
        oldest = self._now_ms() - SEARCH_REACH_MS
        start = p.timestamp_ms(request.params, "start_time")
        if start is not None and start < oldest:
            raise invalid_request("start_time", request.params["start_time"],
                                  f"Invalid 'start_time':'{request.params['start_time']}'. "
                                  f"'start_time' must be on or after "
                                  f"{_minute_iso(oldest)}")
        found = [t for t in self.timeline.visible() if t["created_ms"] >= oldest and match(t)]
        page, meta = self._page(found, request.params, "next_token", 10)
        return Answer(200, render_page(self.timeline, page, fields, meta))

    def _create(self, request: Request) -> Answer:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(Answer(400, _invalid_body("Request body is not valid JSON.")))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(Answer(400, _invalid_body("The `text` field must not be empty.")))
        reply = body.get("reply") or {}
        target = reply.get("in_reply_to_tweet_id")
        target = None if target is None else str(target)
        self._check_post(text, target)
        quote = body.get("quote_tweet_id")
        tweet = self.timeline.add_tweet(
            author_id=self.timeline.account_id, text=text, created_ms=self._now_ms(),
            reply_to=target, quote_of=str(quote) if quote and self.timeline.live(str(quote))
            else None, reply_settings=body.get("reply_settings") or "everyone")
        self.timeline.record_post(tweet, text, [str(u) for u in
                                                reply.get("exclude_reply_user_ids") or []])
        self.on_change()
        return Answer(201, {"data": {"id": tweet["id"], "text": tweet["text"],
                                     "edit_history_tweet_ids": [tweet["id"]]}})


    def _check_post(self, text: str, target: str | None) -> None:
        # A reply's leading @mentions are reply metadata and do not count.
        counted = ent.strip_leading_mentions(text) if target else text
        if ent.weighted_length(counted) > ent.MAX_WEIGHTED_LENGTH:
            raise ApiError(Answer(400, _invalid_body(TEXT_TOO_LONG)))
        refusal = self.timeline.reply_refusal(target) if target else None
        if refusal:
            raise forbidden(refusal)
        if self.timeline.is_duplicate(text):
            raise forbidden(DUPLICATE_CONTENT)


def _invalid_body(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}], "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"}


def _minute_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
