"""Console pages: agency (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.web.app import requires

bp = Blueprint("agency", __name__)


@bp.get("/agency")
@requires("agency")
def inbox() -> str:
    """Placeholder until the page is built."""
    return render_template("base.html")
