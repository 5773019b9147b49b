"""GET /metrics (Prometheus) and GET /healthz, on the console or on their own (`lapor-bot metrics`).

    /metrics   the counts of `bot.metrics`, as text/plain version 0.0.4. Only for a scraper on
               this machine (a loopback address, with no proxy header in the request) or one
               that sends `Authorization: Bearer <LAPOR_METRICS_TOKEN>`.
    /healthz   {"ok", "database", "last_poll", "posting"}: 200 when the database answers, 503
               when it does not. Open to all: it holds no personal data and no counts.

The blueprint finds the store, the settings and the clock in `app.extensions["lapor_ops"]`
(an `Ops`), or else in the console's `Console`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from bot.metrics import CONTENT_TYPE, DEFAULT_PORT, render_metrics
from bot.settings import Settings
from ingest.errors import StoreError
from ingest.store.metrics import Health, read_health, read_metrics
from ingest.store.store import Store

bp = Blueprint("ops", __name__)
OPS_KEY = "lapor_ops"
# A proxy on the same machine makes every caller look local: with these, loopback proves nothing.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
log = logging.getLogger(__name__)


@dataclass
class Ops:
    """What the two endpoints read: the store, the settings (prices, token, posting) and the clock."""

    store: Store
    settings: Settings
    now: Callable[[], datetime]


def ops() -> Ops:
    """Return the Ops of the running app (its own, or the console's)."""
    found = current_app.extensions.get(OPS_KEY)
    if found is not None:
        return cast(Ops, found)
    console = current_app.extensions["lapor_console"]
    return Ops(store=console.store, settings=console.settings, now=console.now)


@bp.get("/metrics")
def metrics() -> Response:
    """Serve the metrics to a local scraper or one with the token."""
    current = ops()
    if not _may_scrape(getattr(current.settings, "metrics_token", None)):
        return _text("metrics are served to this machine only, or with Authorization: Bearer "
                     "<LAPOR_METRICS_TOKEN>\n", 401 if request.headers.get("Authorization") else 403)
    try:
        snapshot = read_metrics(current.store, current.now())
    except StoreError as exc:
        log.warning("metrics: %s", exc)
        return _text("the database does not answer\n", 503)
    response = _text(render_metrics(snapshot, current.settings.prices), 200)
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Say whether the database answers, when the poller last ran and whether posting is on."""
    current = ops()
    try:
        health = read_health(current.store, current.now())
    except StoreError as exc:
        log.warning("healthz: %s", exc)
        body = {"ok": False, "database": "unavailable", "last_poll": None, "posting": "unknown"}
        return _no_store(jsonify(body)), 503
    body = {"ok": True, "database": "ok", "last_poll": _iso(health.last_poll),
            "posting": posting_state(current.settings, health)}
    return _no_store(jsonify(body)), 200


def posting_state(settings: Settings, health: Health) -> str:
    """Return on, dry_run, disabled (LAPOR_POSTING_ENABLED=false), stopped (by an operator) or paused."""
    if settings.dry_run:
        return "dry_run"
    if not settings.posting_enabled:
        return "disabled"
    if health.posting_stopped is not None:
        return "stopped"
    if health.posting_paused_until is not None:
        return "paused"
    return "on"


def _may_scrape(token: str | None) -> bool:
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return True
    return is_local_request()


def is_local_request() -> bool:
    """Return whether the request comes straight from this machine (not through a proxy)."""
    if any(request.headers.get(name) for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def _text(body: str, status: int) -> Response:
    return _no_store(Response(body, status=status, mimetype="text/plain"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


# --- on its own -------------------------------------------------------------------------------
def create_ops_app(current: Ops) -> Flask:
    """Return a tiny app serving only /metrics and /healthz."""
    app = Flask(__name__)
    app.extensions[OPS_KEY] = current
    app.register_blueprint(bp)
    return app


def serve_ops(settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
    """Serve /metrics and /healthz with waitress until SIGINT/SIGTERM; return the exit code."""
    from waitress.server import create_server

    from bot.wiring import utc_now
    from ingest.store.store import open_store

    store = open_store(settings.database_url)
    try:
        app = create_ops_app(Ops(store=store, settings=settings, now=utc_now))
        try:
            server: Any = create_server(app, host=host, port=port, threads=2, ident="lapor-ops")
        except OSError as exc:
            print(f"lapor-bot: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"metrics on http://{host}:{server.effective_port}/metrics and /healthz; Ctrl-C stops it",
              file=sys.stderr)
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, _interrupt)
        try:
            server.run()  # returns on KeyboardInterrupt, after the requests in progress
        except KeyboardInterrupt:
            pass  # a signal before the loop started
        finally:
            server.close()
    finally:
        store.close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    # waitress' loop ends on KeyboardInterrupt, after the requests in progress: its own way out.
    raise KeyboardInterrupt
