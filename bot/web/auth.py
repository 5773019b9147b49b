"""Signing in and out of the console, with a throttle on failed attempts."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bot.web.app import console, current_user, t
from bot.web.passwords import check_password
from ingest.store.users import clear_failures, note_failure, note_login, throttled_until, user_by_name

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def home_for(role: str) -> str:
    """Return where a user of `role` starts."""
    return url_for("agency.inbox") if role == "agency" else url_for("officer.queue")


@bp.get("/")
def index() -> Response:
    """Send a signed-in user to their start page, anyone else to the sign-in form."""
    user = current_user()
    return redirect(home_for(user.role) if user else url_for("auth.login"))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Point browsers that ask for /favicon.ico at the console's icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form, or sign in."""
    if request.method == "GET":
        return render_template("login.html", message=None)
    username = (request.form.get("username") or "").strip().lower()[:64]
    password = request.form.get("password") or ""
    app = console()
    now = app.now()
    keys = [f"user:{username}", f"ip:{request.remote_addr or '-'}"]
    locked = throttled_until(app.store, keys, now)
    if locked is not None:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        return render_template("login.html", message=t("login.throttled", minutes=minutes)), 429
    user = user_by_name(app.store, username) if username else None
    ok, rehash = check_password(user.password_hash if user and user.active else None, password)
    if not ok or user is None:
        note_failure(app.store, keys, now)
        log.info("console sign-in failed for %r from %s", username, request.remote_addr)
        return render_template("login.html", message=t("login.failed")), 401
    assert user.id is not None
    note_login(app.store, user.id, now, rehash)
    clear_failures(app.store, keys[0])
    session.clear()  # a fresh session (and CSRF token) on every sign-in
    session.permanent = True
    session.update(uid=user.id, ver=user.session_version)
    log.info("console sign-in: %s (%s)", user.username, user.role)
    return redirect(_safe_next(request.args.get("next")) or home_for(user.role))


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    session.clear()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Follow ?next= only to a path on this site (never to another host)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
