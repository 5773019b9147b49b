"""The X API edge: the only module that imports tweepy.

It calls X API v2 through tweepy's Client and hands back plain dicts (ids as strings, as X
sends them) plus the rate-limit headers; every tweepy/requests failure leaves as one of
ours from `ingest.errors`. Endpoints and fields follow the X API v2 reference:
GET /2/users/me, GET /2/users/:id/mentions, GET /2/tweets/search/recent, POST /2/tweets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import tweepy

from ingest.errors import (
    XAuthError,
    XDailyCapReached,
    XError,
    XRateLimited,
    XRefused,
    XUnavailable,
    XUsageCapped,
)

log = logging.getLogger(__name__)

# tweet.fields and expansions a complaint record needs (X API v2 reference, Tweet object).
TWEET_FIELDS = [
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
    "geo",
    "attachments",
    "reply_settings",
    "edit_history_tweet_ids",
    "note_tweet",
    "possibly_sensitive",
    "public_metrics",
]
EXPANSIONS = [
    "author_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "in_reply_to_user_id",
    "geo.place_id",
    "attachments.media_keys",
]
USER_FIELDS = ["username", "name", "created_at", "verified", "protected"]
PLACE_FIELDS = ["full_name", "country_code", "place_type", "name", "geo"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "alt_text"]
# X's problem type for a spent usage cap (X API v2 error reference).
USAGE_CAPPED_TYPE = "https://api.twitter.com/2/problems/usage-capped"
# Headers of the 24-hour posting caps (X API v2 rate-limit reference, POST /2/tweets).
DAILY_CAP_PREFIXES = ("x-user-limit-24hour", "x-app-limit-24hour")
# Hosts tweepy hard-codes; every request to them is sent to the configured base URL instead.
_X_HOSTS = frozenset({"api.twitter.com", "api.x.com"})


@dataclass(frozen=True)
class RateLimit:
    """The x-rate-limit-* headers of one answer."""

    limit: int | None
    remaining: int | None
    reset_at: int | None

    @classmethod
    def from_headers(cls, headers: Any) -> RateLimit:
        """Read the three headers, tolerating missing or malformed values."""
        return cls(
            limit=_int_header(headers, "x-rate-limit-limit"),
            remaining=_int_header(headers, "x-rate-limit-remaining"),
            reset_at=_int_header(headers, "x-rate-limit-reset"),
        )


@dataclass(frozen=True)
class DailyCap:
    """The tighter of the 24-hour posting caps X reports (x-user- and x-app-limit-24hour-*)."""

    remaining: int | None
    reset_at: int | None

    @classmethod
    def from_headers(cls, headers: Any) -> DailyCap:
        """Read both caps' headers and keep the one with fewer posts left."""
        caps = [
            (_int_header(headers, f"{prefix}-remaining"), _int_header(headers, f"{prefix}-reset"))
            for prefix in DAILY_CAP_PREFIXES
        ]
        known = [cap for cap in caps if cap[0] is not None]
        if not known:
            return cls(None, None)
        remaining, reset_at = min(known, key=lambda cap: cap[0] or 0)
        return cls(remaining, reset_at)

    @property
    def spent(self) -> bool:
        """Return whether no post is left in the 24-hour window."""
        return self.remaining is not None and self.remaining <= 0


@dataclass(frozen=True)
class Posted:
    """A post X accepted, with what is left of the 24-hour caps."""

    tweet_id: str
    daily: DailyCap


@dataclass(frozen=True)
class Page:
    """One page of a timeline or search answer, as X sent it."""

    tweets: list[Any]
    includes: dict[str, Any]
    errors: list[Any]
    meta: dict[str, Any]
    rate: RateLimit = field(default_factory=lambda: RateLimit(None, None, None))

    @property
    def next_token(self) -> str | None:
        """Return the token of the next page, or None on the last one."""
        token = self.meta.get("next_token")
        return token if isinstance(token, str) and token else None


@dataclass(frozen=True)
class Account:
    """The bot's own account on X."""

    id: str
    username: str


def _int_header(headers: Any, name: str) -> int | None:
    try:
        return int(headers.get(name))
    except (TypeError, ValueError):
        return None


class RedirectingSession(requests.Session):
    """A requests session that sends X API calls to `base_url` and always sets a timeout.

    The URL is rewritten before the request is prepared, so an OAuth 1.0a signature is
    computed over the URL that is really called.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self._base = urlsplit(base_url.rstrip("/"))
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, self.rewrite(str(url)), *args, **kwargs)

    def rewrite(self, url: str) -> str:
        """Return url with X's host replaced by the configured base URL."""
        parts = urlsplit(url)
        if parts.hostname not in _X_HOSTS:
            return url
        path = self._base.path + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))


class XClient:
    """X API v2 through tweepy, with our errors and plain payloads."""

    def __init__(
        self,
        base_url: str,
        *,
        bearer_token: str | None,
        api_key: str | None,
        api_secret: str | None,
        access_token: str | None,
        access_token_secret: str | None,
        timeout: float = 20.0,
    ) -> None:
        self._client = tweepy.Client(
            bearer_token=bearer_token,
            consumer_key=api_key,
            consumer_secret=api_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self._client.session = RedirectingSession(base_url, timeout)
        self._user_context = all((api_key, api_secret, access_token, access_token_secret))
        # tweepy sends "Bearer None" unless told to sign reads with the user's keys.
        self._user_auth_reads = not bearer_token

    def fetch_account(self, username: str) -> Account:
        """Return the bot's account: users/me with user context, else a lookup by name."""
        if self._user_context:
            body, _ = self._call(lambda: self._client.get_me(user_auth=True), read=True)
        else:
            body, _ = self._call(
                lambda: self._client.get_user(username=username, user_auth=False), read=True
            )
        user = body.get("data")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str | int):
            raise XUnavailable("X answered the account lookup without a user id")
        return Account(id=str(user["id"]), username=str(user.get("username") or username))

    def fetch_mentions_page(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        until_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of GET /2/users/:id/mentions, newest first."""
        params = _drop_none(
            since_id=since_id,
            until_id=until_id,
            pagination_token=pagination_token,
            max_results=max_results,
        )
        return self._page(
            lambda: self._client.get_users_mentions(
                user_id, user_auth=self._user_auth_reads, **params, **_fields()
            )
        )

    def fetch_search_page(
        self,
        query: str,
        *,
        since_id: str | None = None,
        until_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of GET /2/tweets/search/recent (the last 7 days)."""
        params = _drop_none(
            since_id=since_id, until_id=until_id, next_token=next_token, max_results=max_results
        )
        return self._page(
            lambda: self._client.search_recent_tweets(
                query, user_auth=self._user_auth_reads, **params, **_fields()
            )
        )

    def post_reply(
        self, text: str, in_reply_to: str, exclude_reply_user_ids: list[str] | None = None
    ) -> Posted:
        """Post `text` as a reply to tweet `in_reply_to`; return the new tweet's id and caps."""
        body, _, headers = self._call_with_headers(
            lambda: self._client.create_tweet(
                text=text,
                in_reply_to_tweet_id=in_reply_to,
                exclude_reply_user_ids=exclude_reply_user_ids or None,
                user_auth=True,
            ),
            read=False,
        )
        data = body.get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise XUnavailable("X accepted the post but sent no id back")
        return Posted(str(data["id"]), DailyCap.from_headers(headers))

    def _page(self, call: Any) -> Page:
        body, rate = self._call(call, read=True)
        tweets = body.get("data", [])
        if not isinstance(tweets, list):
            raise XUnavailable("X sent a page whose data is not a list")
        return Page(
            tweets=tweets,
            includes=_dict(body.get("includes")),
            errors=body.get("errors") if isinstance(body.get("errors"), list) else [],
            meta=_dict(body.get("meta")),
            rate=rate,
        )

    def _call(self, call: Any, *, read: bool) -> tuple[dict[str, Any], RateLimit]:
        body, rate, _ = self._call_with_headers(call, read=read)
        return body, rate

    def _call_with_headers(self, call: Any, *, read: bool) -> tuple[dict[str, Any], RateLimit, Any]:
        try:
            response = call()
        except tweepy.TooManyRequests as exc:
            raise _rate_limited(exc) from None
        except tweepy.TwitterServerError as exc:
            raise XUnavailable(f"X answered {exc.response.status_code}: try again later") from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise _refused(exc, read=read) from None
        except tweepy.HTTPException as exc:
            raise _refused(exc, read=False) from None
        except requests.RequestException as exc:
            raise XUnavailable(f"cannot reach X: {type(exc).__name__}") from None
        except (AttributeError, TypeError, ValueError) as exc:
            # tweepy reads error bodies as JSON objects; anything else breaks it.
            raise XUnavailable(f"X sent an unreadable error answer ({type(exc).__name__})") from None
        return _json_object(response), RateLimit.from_headers(response.headers), response.headers


def _fields() -> dict[str, list[str]]:
    return {
        "tweet_fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user_fields": USER_FIELDS,
        "place_fields": PLACE_FIELDS,
        "media_fields": MEDIA_FIELDS,
    }


def _drop_none(**params: Any) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise XUnavailable(f"X sent a {response.status_code} answer that is not JSON") from None
    if not isinstance(body, dict):
        raise XUnavailable(f"X sent a {response.status_code} answer that is not a JSON object")
    return body


def _problem(exc: tweepy.HTTPException) -> dict[str, Any]:
    try:
        body = exc.response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _rate_limited(exc: tweepy.TooManyRequests) -> XRateLimited:
    problem = _problem(exc)
    reset_at = exc.reset_time
    if problem.get("type") == USAGE_CAPPED_TYPE:
        return XUsageCapped("X's usage cap for this app is spent (429 usage-capped)", reset_at)
    daily = DailyCap.from_headers(exc.response.headers)
    if daily.spent:
        return XDailyCapReached("X's 24-hour posting cap is spent (429)", daily.reset_at)
    return XRateLimited("X rate limit reached (429)", reset_at)


def _refused(exc: tweepy.HTTPException, *, read: bool) -> XError:
    status = exc.response.status_code
    detail = "; ".join(str(m) for m in exc.api_messages) or str(_problem(exc).get("title") or "")
    if read and status in (401, 403):
        return XAuthError(f"X refused the credentials ({status}): {detail or 'no detail'}")
    return XRefused(f"X refused the request ({status}): {detail or 'no detail'}", status, detail)

