"""Console pages: public (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
