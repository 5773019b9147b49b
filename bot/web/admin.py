"""Console pages: admin (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.web.app import requires

bp = Blueprint("admin", __name__)


@bp.get("/admin/users")
@requires("admin")
def user_list() -> str:
    """Placeholder until the page is built."""
    return render_template("base.html")


@bp.get("/admin/routing")
@requires("admin")
def routing() -> str:
    """Placeholder until the page is built."""
    return render_template("base.html")
