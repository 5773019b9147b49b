"""The JSON API (/api/…): what the console pages do, for scripts, with token auth and the same scoping.

    Authorization: Bearer <token>      (`lapor-bot users token <name>`; cookies are never accepted)

    GET  /api/complaints                        officers: the queue (filters as query parameters);
                                                agencies: their forwarded complaints (?tab=handle|answered|closed)
    GET  /api/complaints/<tn>                   officers: everything; agencies: masked, like their page
    POST /api/complaints/<tn>/actions/<action>  officers: verify, reject, urgent, personal-data,
                                                reclassify, forward, merge, unmerge
    POST /api/complaints/<tn>/responses         {status, note, public}: agencies, or officers on their behalf
    GET  /api/stats                             officers: the figures of `lapor-bot stats` (?days=N)

Errors are {"error", "message"} with 400 (bad input), 401 (no or bad token), 403 (not for this
role), 404 (no such complaint, or not this agency's) and 409 (the action is refused, e.g. already
verified). The Open311 read endpoints (public) live in `bot.web.open311`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.wrappers import Response

from bot.web import open311
from bot.web.agency import NOTE_MAX, TABS, agency_inbox, own_responses, visible_complaint
from bot.web.app import actor, console, current_user
from bot.web.public import masked_text
from ingest.sla import clock_of
from ingest.store import review
from ingest.store.models import AuditRow, ComplaintRow, ForwardRow, MentionRow, ReplyRow, ResponseRow
from ingest.store.stats import fetch_stats
from ingest.store.users import user_for_token

bp = Blueprint("api", __name__)
rest = Blueprint("rest", __name__, url_prefix="/api")
PER_PAGE, MAX_PER_PAGE = 50, 200
FILTERS = ("status", "kind", "category", "region", "agency", "flag", "q")
BOOLEAN_FILTERS = ("needs_review", "urgent", "open_only", "overdue")


@rest.before_request
def _authenticate() -> None:
    """Take the user from the bearer token only: a session cookie signs no API call."""
    g.user = None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, description="send Authorization: Bearer <token> (make one with `lapor-bot users token`)")
    app = console()
    user = user_for_token(app.store, token.strip(), app.now())
    if user is None:
        abort(401, description="the token is unknown, revoked, or its user is disabled")
    g.user = user


def _is_officer() -> bool:
    user = current_user()
    return user is not None and user.role in ("officer", "admin")


def _officers_only() -> None:
    if not _is_officer():
        abort(403, description="only LAPOR! officers may do this")


# --- reading ----------------------------------------------------------------------------------
@rest.get("/complaints")
def complaints() -> Response:
    """List the queue (officers) or the agency's forwarded complaints (agencies)."""
    page, per_page = _int_arg("page", 1, 1, 100000), _int_arg("per_page", PER_PAGE, 1, MAX_PER_PAGE)
    offset = (page - 1) * per_page
    user = current_user()
    assert user is not None
    if not _is_officer():
        tab = request.args.get("tab", "handle")
        if tab not in TABS:
            abort(400, description=f"tab: one of {', '.join(TABS)}")
        inbox = agency_inbox(user.agency_id or "", tab, limit=per_page, offset=offset)
        items = [agency_complaint_json(line.complaint) for line in inbox.lines]
        return jsonify(items=items, total=inbox.total, counts=inbox.counts, page=page, per_page=per_page)
    app = console()
    try:
        found = review.review_queue(app.store, app.now(), _queue_filters(), limit=per_page, offset=offset)
    except review.ReviewError as error:
        abort(400, description=str(error))
    items = [{**complaint_json(i.complaint), "flags": list(i.flags), "reasons": list(i.reasons), "overdue": i.overdue}
             for i in found.items]
    return jsonify(items=items, total=found.total, counts=found.counts, page=page, per_page=per_page)


def _queue_filters() -> review.QueueFilters:
    args = request.args
    values: dict[str, Any] = {name: _bool_arg(name) for name in BOOLEAN_FILTERS if name in args}
    for name in FILTERS:
        if args.get(name, "").strip():
            values[{"agency": "agency_id", "q": "search"}.get(name, name)] = args[name].strip()[:200]
    return review.QueueFilters(**values)


@rest.get("/complaints/<tracking_number>")
def complaint(tracking_number: str) -> Response:
    """Return one complaint: everything for officers, the masked agency view for agencies."""
    if not _is_officer():
        view = visible_complaint(tracking_number, actor())
        user = current_user()
        assert user is not None
        return jsonify(complaint=agency_complaint_json(view.complaint),
                       responses=[_response_json(r) for r in own_responses(view, user.agency_id)])
    try:
        view = review.complaint_view(console().store, tracking_number, actor=actor())
    except review.ComplaintNotFound:
        abort(404, description=f"no complaint {tracking_number.strip().upper()[:40]}")
    return jsonify(
        complaint={**complaint_json(view.complaint), "flags": list(view.flags)},
        mentions=[_mention_json(m) for m in view.mentions],
        cluster=[complaint_json(c) for c in view.cluster],
        audit=[_audit_json(a) for a in view.audit],
        replies=[_reply_json(r) for r in view.replies],
        forwards=[_forward_json(f) for f in view.forwards],
        responses=[_response_json(r) for r in view.responses],
    )


@rest.get("/stats")
def stats() -> Response:
    """Return the figures over all complaints, or those created in the last ?days=N."""
    _officers_only()
    app = console()
    now = app.now()
    since = now - timedelta(days=_int_arg("days", 0, 1, 3650)) if request.args.get("days") else None
    figures = fetch_stats(app.store, app.settings.sla, app.calendar, now, since)
    return jsonify(since=since.isoformat() if since else None, **figures.as_dict())


# --- acting -------------------------------------------------------------------------------------
@rest.post("/complaints/<tracking_number>/actions/<name>")
def act(tracking_number: str, name: str) -> Response:
    """Run one officer action with the JSON body's reason, note, changes or target."""
    _officers_only()
    action = ACTIONS.get(name)
    if action is None:
        abort(404, description=f"no action {name!r}; one of: {', '.join(ACTIONS)}")
    body = _body()
    app = console()
    try:
        extra = action(tracking_number, body, actor(), app.now()) or {}
    except review.ComplaintNotFound as error:
        abort(404, description=str(error))
    except review.ReviewError as error:
        abort(409, description=str(error))
    row = app.store.complaint(tracking_number.strip().upper())
    assert row is not None
    return jsonify(ok=True, action=name, complaint=complaint_json(row), **extra)


@rest.post("/complaints/<tracking_number>/responses")
def respond(tracking_number: str) -> tuple[Response, int]:
    """Record an agency's response (an officer may record one on the agency's behalf)."""
    if not _is_officer():
        visible_complaint(tracking_number, actor())
    body = _body()
    status, note, public = body.get("status"), body.get("note"), body.get("public", False)
    if status not in review.RESPONSE_STATUSES:
        abort(400, description=f"status: one of {', '.join(review.RESPONSE_STATUSES)}")
    if not isinstance(note, str) or not note.strip() or len(note.strip()) > NOTE_MAX:
        abort(400, description=f"note: a text of 1 to {NOTE_MAX} characters is required")
    if not isinstance(public, bool):
        abort(400, description="public: true or false")
    app = console()
    try:
        outcome = review.record_response(app.store, tracking_number, status, note, actor(), app.now(),
                                         source="console", external_ref=None, public=public)
    except review.ComplaintNotFound as error:
        abort(404, description=str(error))
    except review.ReviewError as error:
        abort(409, description=str(error))
    return jsonify(tracking_number=outcome.complaint.tracking_number, recorded=outcome.recorded,
                   previous_status=outcome.previous_status, status=outcome.complaint.status,
                   message=outcome.message), 201 if outcome.recorded else 200


def _note(body: dict[str, Any]) -> str:
    return _text(body, "note", required=False)


def _text(body: dict[str, Any], key: str, *, required: bool) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > NOTE_MAX or (required and not value.strip()):
        abort(400, description=f"{key}: {'a text' if required else 'text'} of at most {NOTE_MAX} characters"
                               + (" is required" if required else ""))
    return value.strip()


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, True)
    if not isinstance(value, bool):
        abort(400, description=f"{key}: true or false")
    return value


def _changes(body: dict[str, Any]) -> dict[str, str]:
    changes = body.get("changes")
    if not isinstance(changes, dict) or not all(isinstance(v, str) for v in changes.values()):
        abort(400, description=f"changes: an object of {', '.join(review.RECLASSIFIABLE)} to new values")
    return changes


def _forward(tn: str, body: dict[str, Any], who: str, now: Any) -> dict[str, Any]:
    app = console()
    queued = review.request_forward(app.store, tn, who, now, app.routing, digest_hour=app.settings.digest_hour,
                                    note=_note(body))
    return {"queued": queued}


def _merge(tn: str, body: dict[str, Any], who: str, now: Any) -> dict[str, Any]:
    message = review.merge(console().store, tn, _text(body, "into", required=True), who, now, _note(body))
    return {"message": message}


Action = Callable[[str, dict[str, Any], str, Any], "dict[str, Any] | None"]
ACTIONS: dict[str, Action] = {
    "verify": lambda tn, body, who, now: _done(review.verify(console().store, tn, who, now, _note(body))),
    "reject": lambda tn, body, who, now: _done(review.reject(console().store, tn, who, now,
                                                             _text(body, "reason", required=True))),
    "urgent": lambda tn, body, who, now: _done(review.mark_urgent(console().store, tn, who, now, _flag(body, "urgent"),
                                                                  _note(body))),
    "personal-data": lambda tn, body, who, now: _done(review.mark_personal_data(
        console().store, tn, who, now, _note(body), _flag(body, "marked"))),
    "reclassify": lambda tn, body, who, now: _done(review.reclassify(
        console().store, tn, who, now, changes=_changes(body), routing=console().routing, note=_note(body))),
    "forward": _forward,
    "merge": _merge,
    "unmerge": lambda tn, body, who, now: _done(review.unmerge(console().store, tn, who, now, _note(body))),
}


def _done(_row: ComplaintRow) -> None:
    return None


# --- request helpers -----------------------------------------------------------------------------
def _body() -> dict[str, Any]:
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="the body must be a JSON object")
    return body


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return max(low, min(int(raw), high))
    except ValueError:
        abort(400, description=f"{name}: a whole number")


def _bool_arg(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value not in ("1", "true", "yes", "0", "false", "no"):
        abort(400, description=f"{name}: true or false")
    return value in ("1", "true", "yes")


# --- JSON shapes ---------------------------------------------------------------------------------
def _iso(moment: Any) -> str | None:
    from bot.web.public import aware

    return aware(moment).isoformat() if moment is not None else None


def complaint_json(c: ComplaintRow) -> dict[str, Any]:
    """Return a complaint as officers see it (everything, the text unmasked)."""
    return {
        "tracking_number": c.tracking_number, "status": c.status, "kind": c.kind, "category": c.category,
        "region_code": c.region_code, "region_name": c.region_name, "agency_id": c.agency_id, "agency": c.agency,
        "urgent": c.urgent, "needs_review": c.needs_review, "has_personal_data": c.has_personal_data,
        "personal_data_marked": c.personal_data_marked, "text": c.text, "language": c.language,
        "author_id": c.author_id, "author_username": c.author_username, "first_tweet_id": c.first_tweet_id,
        "supporters": c.supporters, "mentions": c.mentions, "cluster_id": c.cluster_id,
        "rejection_reason": c.rejection_reason, "due_stage": c.due_stage, "due_at": _iso(c.due_at),
        **{stamp: _iso(getattr(c, stamp)) for stamp in ("created_at", "updated_at", "acknowledged_at", "verified_at",
                                                       "forwarded_at", "responded_at", "closed_at")},
    }


def agency_complaint_json(c: ComplaintRow) -> dict[str, Any]:
    """Return a complaint as its agency sees it: masked text, no author, the running deadline."""
    app = console()
    clock = clock_of(c, app.settings.sla, app.calendar, app.now())
    return {
        "tracking_number": c.tracking_number, "status": c.status, "category": c.category,
        "region_code": c.region_code, "region_name": c.region_name, "urgent": c.urgent,
        "text": masked_text(c), "text_hidden": c.personal_data_marked, "supporters": c.supporters,
        "tweet_url": f"https://x.com/i/web/status/{c.first_tweet_id}",
        "created_at": _iso(c.created_at), "forwarded_at": _iso(c.forwarded_at), "responded_at": _iso(c.responded_at),
        "closed_at": _iso(c.closed_at),
        "deadline": {"stage": clock.stage, "at": _iso(clock.deadline), "overdue": clock.overdue,
                     "working_days_left": round(clock.working_days_left, 2)} if clock else None,
    }


def _mention_json(m: MentionRow) -> dict[str, Any]:
    import json

    return {"tweet_id": m.tweet_id, "author_id": m.author_id, "author_username": m.author_username, "text": m.text,
            "created_at": _iso(m.created_at), "link": m.link, "link_reason": m.link_reason, "kind": m.kind,
            "category": m.category, "kind_confidence": m.kind_confidence,
            "category_confidence": m.category_confidence, "reasons": json.loads(m.reasons_json or "[]"),
            "has_personal_data": m.has_personal_data, "region_code": m.region_code}


def _audit_json(a: AuditRow) -> dict[str, Any]:
    return {"at": _iso(a.at), "actor": a.actor, "action": a.action, "field": a.field, "previous": a.previous,
            "value": a.value, "reason": a.reason}


def _reply_json(r: ReplyRow) -> dict[str, Any]:
    return {"in_reply_to_tweet_id": r.in_reply_to_tweet_id, "purpose": r.purpose, "status": r.status, "text": r.text,
            "posted_tweet_id": r.posted_tweet_id, "attempts": r.attempts, "created_at": _iso(r.created_at)}


def _forward_json(f: ForwardRow) -> dict[str, Any]:
    return {"agency_id": f.agency_id, "channel": f.channel, "purpose": f.purpose, "status": f.status,
            "attempts": f.attempts, "last_error": f.last_error, "sent_at": _iso(f.sent_at),
            "created_at": _iso(f.created_at)}


def _response_json(r: ResponseRow) -> dict[str, Any]:
    return {"status": r.status, "note": r.note, "public": r.public, "source": r.source, "actor": r.actor,
            "agency_id": r.agency_id, "at": _iso(r.at)}


bp.register_blueprint(rest)
bp.register_blueprint(open311.bp)
