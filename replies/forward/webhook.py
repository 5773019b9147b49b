"""Post a signed JSON body to an agency's webhook, and classify HTTP answers for every HTTP channel.

The decisions are pure (`outcome_for_status`, `retry_after_seconds`, `excerpt`); `post_webhook`
only sends. Redirects are not followed: requests would turn a redirected POST into a GET and
drop the body, so a 3xx fails and the operator updates the URL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from replies.forward.signing import SignatureError, signed_headers
from replies.forward.types import FAILED, RETRY, SENT, Delivery

DELIVERY_HEADER = "X-Lapor-Delivery"
USER_AGENT = "lapor-bot"
# Statuses worth repeating later: request timeout, too early, rate limited (RFC 9110, RFC 8470, RFC 6585).
RETRYABLE_STATUSES = frozenset({408, 425, 429})
MAX_ANSWER_BYTES = 64 * 1024
EXCERPT_CHARS = 200


def post_webhook(
    url: str,
    secret: str,
    body: bytes,
    delivery_id: str,
    now: float,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> Delivery:
    """POST `body` signed with `secret` at `now` (Unix seconds); say whether the receiver took it."""
    refusal = refuse_url(url)
    if refusal:
        return Delivery(FAILED, error=refusal)
    try:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            DELIVERY_HEADER: delivery_id,
            **signed_headers(secret, int(now), body),
        }
    except SignatureError as exc:
        return Delivery(FAILED, error=f"cannot sign the webhook body: {exc}")
    try:
        status, answer_headers, answer = http_call(session, "POST", url, timeout, data=body, headers=headers)
    except requests.RequestException as exc:
        return network_failure(exc)
    if 200 <= status < 300:
        return Delivery(SENT, external_id=receiver_id(answer))
    return http_failure(status, answer_headers, answer, now)


def http_call(
    session: requests.Session | None,
    method: str,
    url: str,
    timeout: float,
    data: bytes | Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Mapping[str, str], bytes]:
    """Send one request without following redirects; return status, headers and at most 64 KiB of body."""
    sender = session if session is not None else requests
    response = sender.request(
        method,
        url,
        data=data,
        headers=dict(headers or {"User-Agent": USER_AGENT}),
        timeout=timeout,
        allow_redirects=False,
        stream=True,
    )
    with response:
        answer = b""
        for chunk in response.iter_content(chunk_size=8192):
            answer += chunk
            if len(answer) >= MAX_ANSWER_BYTES:
                break
        return response.status_code, response.headers, answer[:MAX_ANSWER_BYTES]


def refuse_url(url: str) -> str | None:
    """Return why `url` cannot be posted to (not http(s), no host), or None when it can."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL cannot be parsed"
    if parts.scheme not in ("http", "https"):
        return f"refusing a {parts.scheme or 'scheme-less'} URL: only http and https are allowed"
    if not parts.hostname:
        return "the URL has no host"
    return None


def outcome_for_status(status: int) -> str:
    """Return SENT for 2xx, RETRY for 408/425/429/5xx, FAILED for the rest (other 4xx, 3xx, 1xx)."""
    if 200 <= status < 300:
        return SENT
    if status in RETRYABLE_STATUSES or 500 <= status < 600:
        return RETRY
    return FAILED


def retry_after_seconds(headers: Mapping[str, str], now: float | None) -> float | None:
    """Return Retry-After in seconds: delta-seconds, or an HTTP date when `now` is known; None if absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if now is None or moment.tzinfo is None:
        return None
    return max(moment.timestamp() - now, 0.0)


def http_failure(
    status: int, headers: Mapping[str, str], answer: bytes, now: float | None, detail: str = ""
) -> Delivery:
    """Return RETRY or FAILED for a non-2xx answer, with the status and a short excerpt as the error."""
    outcome = outcome_for_status(status)
    if outcome == SENT:
        raise ValueError("a 2xx answer is not a failure")
    said = detail or excerpt(answer)
    if 300 <= status < 400:
        said = f"redirect to {headers.get('Location', '?')} not followed; update the URL"
    error = f"HTTP {status}" + (f": {said}" if said else "")
    retry_after = retry_after_seconds(headers, now) if outcome == RETRY else None
    return Delivery(outcome, error=error, retry_after=retry_after)


def network_failure(exc: requests.RequestException) -> Delivery:
    """Return FAILED for a request that can never work (bad URL), RETRY for network trouble."""
    unusable = (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)
    if isinstance(exc, unusable):
        return Delivery(FAILED, error=f"unusable URL: {exc}")
    kind = "timed out" if isinstance(exc, requests.Timeout) else "network error"
    return Delivery(RETRY, error=f"{kind}: {type(exc).__name__}: {_first_line(str(exc))}")


def receiver_id(answer: bytes) -> str | None:
    """Return the "id" the receiver put in a JSON object answer, if any."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        return None
    found = parsed.get("id") if isinstance(parsed, dict) else None
    if isinstance(found, bool) or not isinstance(found, str | int) or found == "":
        return None
    return str(found)


def excerpt(answer: bytes, limit: int = EXCERPT_CHARS) -> str:
    """Return the start of an answer body on one line, for an error message."""
    flat = " ".join(answer.decode("utf-8", "replace").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _first_line(text: str) -> str:
    return excerpt(text.encode("utf-8"), 300)
