"""Error answers shaped like the X API v2's problem JSON.

Shapes follow the X API v2 "Response codes and errors" reference and bodies
observed from api.x.com: a top-level problem (`title`, `detail`, `type`,
`status`) for request-level failures, `errors` objects for parameter
validation (400 "Invalid Request") and for partial errors next to `data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

PROBLEMS = "https://api.twitter.com/2/problems/"

# POST /2/tweets refusals: X sends these `detail` texts with no numeric code.
DUPLICATE_CONTENT = "You are not allowed to create a Tweet with duplicate content."
NOT_ENGAGED = (
    "Reply to this conversation is not allowed because you have not been mentioned "
    "or otherwise engaged by the author of the post you are replying to."
)
REPLY_TARGET_GONE = "You attempted to reply to a Tweet that is deleted or not visible to you."
TEXT_TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text."
)
# X's own text has two spaces after "endpoint.".
APP_ONLY_FORBIDDEN = (
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
)


@dataclass
class Answer:
    """One HTTP answer: status, JSON body (dict) or raw text, extra headers.

    Status 0 means: close the connection without answering.
    """

    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before sending (a slow server)
    cut: float | None = None  # send this fraction of the body, then reset the connection


class ApiError(Exception):
    """Stop handling a request and send `answer` instead."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            type_: str = "about:blank", **extra: Any) -> dict[str, Any]:
    """Build a top-level problem body such as X's 401, 403 and 429 answers."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "title": title or phrase,
        "detail": detail or phrase,
        "type": type_,
        "status": status,
    }
    body.update(extra)
    return body


def invalid_request(parameter: str, value: str, message: str) -> ApiError:
    """Answer 400 "Invalid Request" for one bad parameter."""
    return ApiError(Answer(400, {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }))


def forbidden(detail: str) -> ApiError:
    """Answer 403 with a v2 problem body carrying `detail`."""
    return ApiError(Answer(403, problem(403, detail)))


def unsupported_authentication() -> ApiError:
    """Answer 403 for an app-only bearer token on a user-context endpoint."""
    return ApiError(Answer(403, problem(
        403, APP_ONLY_FORBIDDEN, title="Unsupported Authentication",
        type_=PROBLEMS + "unsupported-authentication")))


def unauthorized() -> ApiError:
    """Answer 401 the way X does for a missing or unusable token."""
    return ApiError(Answer(401, problem(401, "Unauthorized")))


def too_many_requests() -> dict[str, Any]:
    """Return the body of a rate-limited 429."""
    return problem(429, "Too Many Requests")


def usage_capped() -> dict[str, Any]:
    """Return the body of a usage-cap 429 (a monthly cap, not a rate limit)."""
    return problem(429, "Usage cap exceeded: Monthly product cap", title="UsageCapExceeded",
                   type_=PROBLEMS + "usage-capped", period="Monthly", scope="Product")


def route_not_found() -> Answer:
    """Answer 404 for a path the sandbox does not serve."""
    return Answer(404, problem(404, "Sorry, that page does not exist."))


def resource_not_found(resource_type: str, parameter: str, value: str) -> dict[str, Any]:
    """Return one `errors` entry for a missing tweet or user (partial error)."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }
