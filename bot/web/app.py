"""The console's Flask application: sessions, CSRF, roles, languages and security headers.

Every page module (a Flask blueprint) calls the same logic as the command line
(`ingest.store.review`), through the `Console` this module keeps on the app. Rules that hold
for every route live here:

- a session is a signed cookie (HttpOnly, SameSite=Lax, Secure unless turned off for plain
  http on loopback) holding the user id and a version that a password change bumps;
- every POST from a browser carries the session's CSRF token (the JSON API, which uses
  tokens and no cookies, is exempt);
- `requires(...)` guards each route by role; an agency user is also scoped to its agency by
  `actor()`, which the review module checks on every read and action;
- every answer carries a strict Content-Security-Policy (no inline script), nosniff,
  frame-ancestors none and no-store for signed-in pages; Jinja escapes all text.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException

from bot.settings import Settings
from bot.web.texts import LANGUAGES, translate
from ingest.routing import RoutingTable
from ingest.store.models import UserRow
from ingest.store.store import Store
from ingest.store.users import user_by_id
from ingest.workdays import WorkCalendar

F = TypeVar("F", bound=Callable[..., Any])
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_CSRF_EXEMPT = ("/api/", "/open311/")
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass
class Console:
    """What the pages work with: the store, the routing table, the calendar and the clock."""

    settings: Settings
    store: Store
    routing: RoutingTable
    calendar: WorkCalendar
    now: Callable[[], datetime]


def create_app(console: Console, *, secret_key: str, secure_cookies: bool = True) -> Flask:
    """Return the console's WSGI app."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=secret_key, SESSION_COOKIE_NAME="lapor_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS), MAX_CONTENT_LENGTH=256 * 1024,
        TEMPLATES_AUTO_RELOAD=False, JSON_SORT_KEYS=False,
    )
    app.extensions["lapor_console"] = console
    app.jinja_env.globals.update(t=t, csrf_token=csrf_token, current_user=current_user, lang=language,
                                 LANGUAGES=LANGUAGES, CSRF_FIELD=CSRF_FIELD)
    app.jinja_env.autoescape = True
    app.before_request(_load_user)
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)
    from bot.web import admin, agency, api, auth, dashboard, officer, ops, public

    for module in (auth, officer, agency, public, api, admin, dashboard, ops):
        app.register_blueprint(module.bp)
    return app


def console() -> Console:
    """Return the Console of the running app."""
    return cast(Console, current_app.extensions["lapor_console"])


# --- users and roles ---------------------------------------------------------------------
def current_user() -> UserRow | None:
    """Return the signed-in (or token) user of this request."""
    return cast(UserRow | None, g.get("user"))


def _load_user() -> None:
    g.user = None
    user_id, version = session.get("uid"), session.get("ver")
    if user_id is None:
        return
    user = user_by_id(console().store, int(user_id))
    if user is None or not user.active or user.session_version != version:
        session.clear()
        return
    g.user = user


def requires(*roles: str) -> Callable[[F], F]:
    """Let only users of these roles through (admin counts as officer); others sign in or get 403."""
    allowed = set(roles) | ({"admin"} if "officer" in roles else set())

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def actor() -> str:
    """Return the audit name of the current user: officer:<name>, or agency:<agency-id>/<name>."""
    user = current_user()
    assert user is not None
    if user.role == "agency":
        return f"agency:{user.agency_id}/{user.username}"
    return f"officer:{user.username}"


# --- CSRF ----------------------------------------------------------------------------------
def csrf_token() -> str:
    """Return this session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _check_csrf() -> None:
    if request.method not in _UNSAFE or request.path.startswith(_CSRF_EXEMPT):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, description="csrf")


# --- languages ------------------------------------------------------------------------------
def language() -> str:
    """Return the page language: ?lang=, then the cookie, then Indonesian."""
    wanted = request.args.get("lang") or request.cookies.get("lang") or "id"
    return wanted if wanted in LANGUAGES else "id"


def t(key: str, **values: Any) -> str:
    """Return the text `key` in the page language, with `values` filled in."""
    return translate(key, language(), **values)


# --- answers --------------------------------------------------------------------------------
def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if current_user() is not None or request.path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _error_page(error: HTTPException) -> Any:
    from flask import jsonify, render_template

    code = error.code or 500
    if request.path.startswith(("/api/", "/open311/")):
        return jsonify({"error": error.name, "message": error.description if code != 500 else ""}), code
    return render_template("error.html", code=code, error=error), code
