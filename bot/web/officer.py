"""Console pages: officer (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.web.app import requires

bp = Blueprint("officer", __name__)


@bp.get("/queue")
@requires("officer")
def queue() -> str:
    """Placeholder until the page is built."""
    return render_template("base.html")
