"""Faults that shape a real answer instead of replacing it.

`limits.Fault` kinds "plain", "rate_limit" and "usage_cap" answer in place of the endpoint.
The kinds here let the endpoint do its work first (a post is recorded, a page is read) and
then spoil the answer the way networks and servers do:

    delay           the answer is sent `seconds` late (past a client's timeout, say)
    reset_mid_body  the headers promise the whole body; `fraction` of it is sent, then a TCP reset
    truncate        a complete HTTP answer whose JSON body is cut at `fraction`
    lost_answer     the work is done, but the client gets `status` (0: a reset) instead
    repeat_page     a page whose next_token asks for the same page again
    skip_page       a page whose next_token jumps over the following page
    action          `action()` runs first (e.g. a mention is deleted between two pages)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from . import params as p
from .limits import Fault
from .problems import Answer, problem

SHAPING_KINDS = frozenset({"delay", "reset_mid_body", "truncate", "lost_answer", "repeat_page", "skip_page",
                           "action"})
Answerer = Callable[[Any], Answer]


def shape_answer(fault: Fault, request: Any, answer: Answerer) -> Answer:
    """Answer `request` through `answer`, spoiled as `fault` says."""
    if fault.kind == "action":
        assert fault.action is not None
        fault.action()
        return answer(request)
    real = answer(request)
    if fault.kind == "delay":
        real.delay = fault.seconds
    elif fault.kind == "reset_mid_body":
        real.cut = fault.fraction
    elif fault.kind == "truncate":
        raw = _raw(real.body)
        real.body = raw[: int(len(raw) * fault.fraction)]
    elif fault.kind == "lost_answer":
        body = problem(fault.status) if fault.status else None
        return Answer(fault.status, body, dict(fault.headers or {}))
    elif fault.kind == "repeat_page":
        _set_next_token(real, _repeat_token(real))
    elif fault.kind == "skip_page":
        _set_next_token(real, _skip_token(real, request, answer))
    return real


def _raw(body: dict[str, Any] | str | None) -> str:
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def _meta(answer: Answer) -> dict[str, Any] | None:
    if answer.status != 200 or not isinstance(answer.body, dict):
        return None
    meta = answer.body.get("meta")
    return meta if isinstance(meta, dict) else None


def _set_next_token(answer: Answer, token: str | None) -> None:
    meta = _meta(answer)
    if meta is None:
        return
    assert isinstance(answer.body, dict)
    answer.body = copy.deepcopy(answer.body)
    meta = answer.body["meta"]
    if token:
        meta["next_token"] = token
    else:
        meta.pop("next_token", None)


def _repeat_token(answer: Answer) -> str | None:
    """Return a token whose page is this same page (older than its newest id plus one)."""
    meta = _meta(answer)
    if not meta or "newest_id" not in meta:
        return meta.get("next_token") if meta else None
    return p.encode_token(str(int(meta["newest_id"]) + 1))


def _skip_token(answer: Answer, request: Any, answerer: Answerer) -> str | None:
    """Return the next_token of the page after the next one (None if there is none)."""
    meta = _meta(answer)
    token = meta.get("next_token") if meta else None
    if not token:
        return token
    name = "pagination_token" if "/mentions" in request.path else "next_token"
    following = answerer(type(request)(request.method, request.path, {**request.params, name: token},
                                       request.authorization, request.body))
    following_meta = _meta(following)
    return following_meta.get("next_token") if following_meta else None
