"""Console pages: dashboard (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.web.app import requires

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@requires("officer")
def overview() -> str:
    """Placeholder until the page is built."""
    return render_template("base.html")
