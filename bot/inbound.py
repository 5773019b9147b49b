"""The agencies' status webhook: a signed POST from an agency moves its complaint.

    POST /agencies/<agency-id>/responses   signed JSON (replies/forward/signing.py), see parse_delivery
    GET  /healthz                          {"ok": true}

Checks run in this order, and the first that fails answers: path (404) and method (405),
Content-Length (411, 413, at most 64 KiB is read), signature (401), body (400), then
ingest.store.review.record_response (404 no such complaint for this agency, 409 a status change the
lifecycle refuses, 503 database unavailable). An unknown agency, or one without a secret, is
checked against a random secret so that it fails exactly like a bad signature: the answers
never tell which agency ids exist. The sender's delivery id makes a replay a no-op.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import secrets as random_secrets
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings
from ingest.errors import StoreError
from ingest.tracking import is_tracking_number
from ingest.store.review import RESPONSE_STATUSES, ComplaintNotFound, ReviewError, record_response
from ingest.store.store import Store
from replies.forward.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes
MAX_NOTE = 5000  # characters
MAX_DELIVERY_ID = 100  # characters
RETRY_AFTER = 30  # seconds, when the database is unavailable
DEFAULT_PORT = 8709
_RESPONSES = re.compile(r"^/agencies/([^/]+)/responses$")
_AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DRAIN_LIMIT = 1024 * 1024  # bytes discarded at most before closing on an unread body


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body, extra headers, and a word for the log line."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    outcome: str = ""


@dataclass(frozen=True)
class Delivery:
    """One status update as an agency sent it."""

    delivery_id: str
    tracking_number: str
    status: str
    note: str
    public: bool = True


class BadDelivery(ValueError):
    """A body that is not a valid status update; the message names the field."""


def _error(status: int, code: str, message: str, **headers: str) -> Answer:
    return Answer(status, {"error": code, "message": message}, headers, code)


# --- the pure steps ------------------------------------------------------------------------
def parse_delivery(body: bytes) -> Delivery:
    """Return the status update in `body`, or raise BadDelivery saying what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadDelivery("the body is not JSON (UTF-8)") from None
    if not isinstance(data, dict):
        raise BadDelivery("the body must be a JSON object")
    delivery_id = _text(data, "delivery_id", MAX_DELIVERY_ID).strip()
    if not delivery_id:
        raise BadDelivery("delivery_id must not be empty")
    tracking_number = _text(data, "tracking_number", 40).strip().upper()
    if not is_tracking_number(tracking_number):
        raise BadDelivery("tracking_number must look like LPR-2611-00012")
    status = _text(data, "status", 40)
    if status not in RESPONSE_STATUSES:
        raise BadDelivery(f"status must be one of: {', '.join(RESPONSE_STATUSES)}")
    public = data.get("public", True)
    if not isinstance(public, bool):
        raise BadDelivery("public must be true or false")
    return Delivery(delivery_id, tracking_number, status, _text(data, "note", MAX_NOTE), public)


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise BadDelivery(f"{name} is missing or not a string")
    if len(value) > limit:
        raise BadDelivery(f"{name} is longer than {limit} characters")
    return value


def _route(method: str, path: str) -> tuple[str, str] | Answer:
    """Return ("healthz" | "responses", agency id) for a known path and method, else the refusal."""
    if path == "/healthz":
        return ("healthz", "") if method in ("GET", "HEAD") else _not_allowed("GET")
    if found := _RESPONSES.match(path):
        return ("responses", found.group(1)) if method == "POST" else _not_allowed("POST")
    return _error(404, "not_found", "no such path; POST /agencies/<agency-id>/responses")


def _not_allowed(allowed: str) -> Answer:
    return _error(405, "method_not_allowed", f"use {allowed}", Allow=allowed)


def _body_length(raw: str | None, transfer_encoding: str | None = None) -> int | Answer:
    """Return the declared body length, or the refusal of a missing, bad or too large one."""
    if raw is None or transfer_encoding is not None:
        return _error(411, "length_required", "send a Content-Length header (no Transfer-Encoding)")
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        return _error(400, "bad_request", "Content-Length must be a whole number")
    if len(raw) > 12 or int(raw) > MAX_BODY:
        return _error(413, "payload_too_large", f"the body may be at most {MAX_BODY} bytes")
    return int(raw)


# --- the application -----------------------------------------------------------------------
class InboundApp:
    """Answers one request at a time; shared by the server's handler threads."""

    def __init__(self, store: Store, secrets: Mapping[str, str], now: Callable[[], datetime]) -> None:
        self._store, self._secrets, self._now = store, dict(secrets), now
        # Unknown agencies are checked against this, so they fail like a wrong signature.
        self._decoy = random_secrets.token_hex(32)

    def authenticate(self, agency_id: str, headers: Mapping[str, str], body: bytes) -> Answer | None:
        """Return None for a valid signature by `agency_id`, else the 401 answer."""
        secret = self._secrets.get(agency_id) or self._decoy
        try:
            verify(secret, headers, body, self._now().timestamp())
        except SignatureError as exc:
            return _error(401, "unauthorized", str(exc))
        return None

    def respond(self, agency_id: str, body: bytes) -> tuple[Answer, str]:
        """Record an authenticated status update; return the answer and the tracking number."""
        try:
            delivery = parse_delivery(body)
        except BadDelivery as exc:
            return _error(400, "bad_request", str(exc)), "-"
        return self._record(agency_id, delivery), delivery.tracking_number

    def _record(self, agency_id: str, delivery: Delivery) -> Answer:
        try:
            outcome = record_response(
                self._store, delivery.tracking_number, delivery.status, delivery.note, f"webhook:{agency_id}",
                self._now(), source="webhook", external_ref=f"{agency_id}:{delivery.delivery_id}",
                public=delivery.public)
        except ComplaintNotFound:
            # The same words for a missing complaint and another agency's one.
            return _error(404, "not_found", f"no complaint {delivery.tracking_number} for agency {agency_id}")
        except ReviewError as exc:
            return _error(409, "conflict", str(exc))
        except StoreError as exc:
            log.warning("inbound: database unavailable: %s", exc)
            return _error(503, "unavailable", "the database is unavailable; retry later",
                          **{"Retry-After": str(RETRY_AFTER)})
        body = {"recorded": outcome.recorded, "tracking_number": outcome.complaint.tracking_number,
                "status": outcome.complaint.status, "message": outcome.message}
        return Answer(200, body, outcome="recorded" if outcome.recorded else "replayed")


# --- the HTTP edge -------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: InboundApp


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lapor-inbound"
    sys_version = ""
    timeout = 15  # seconds a slow sender may take per read
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: _serve logs one line of its own per request."""

    def _serve(self) -> None:
        path = urlsplit(self.path).path
        try:
            agency, tracking, answer, unread = self._answer(path)
        except Exception:  # a bug must still answer, and must not stop the server
            log.exception("inbound %s %r failed", self.command, path[:80])
            agency, tracking, unread = "-", "-", True
            answer = _error(500, "internal", "the server failed; retry later")
        # Logged before answering, so the line is written by the time the sender has its answer.
        log.info("inbound %s %r agency=%s tracking=%s -> %d %s", self.command, path[:80], agency, tracking,
                 answer.status, answer.outcome)
        self._send(answer, unread=unread)

    def _answer(self, path: str) -> tuple[str, str, Answer, bool]:
        """Return the agency and tracking number to log (or "-"), the answer, and whether the body is unread."""
        routed = _route(self.command, path)
        if isinstance(routed, Answer):
            return "-", "-", routed, True
        kind, agency_id = routed
        if kind == "healthz":
            return "-", "-", Answer(200, {"ok": True}, outcome="ok"), True
        shown = agency_id if _AGENCY_ID.match(agency_id) else "?"
        length = _body_length(self.headers.get("Content-Length"), self.headers.get("Transfer-Encoding"))
        if isinstance(length, Answer):
            return shown, "-", length, True
        body = self.rfile.read(length)
        signed = {name: self.headers.get(name, "") for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER)}
        if refused := self.server.app.authenticate(agency_id, signed, body):
            return shown, "-", refused, False
        answer, tracking = self.server.app.respond(agency_id, body)
        return shown, tracking, answer, False

    def _send(self, answer: Answer, *, unread: bool) -> None:
        """Write `answer`; after leaving a body unread, close the connection."""
        unread = unread and (self.headers.get("Content-Length", "0").strip() not in ("", "0")
                             or "Transfer-Encoding" in self.headers)
        payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if unread:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        if unread:
            self._linger()

    def _linger(self) -> None:
        """Close after discarding what the sender is still sending, so it can read our answer.

        Closing a socket with unread data sends a TCP reset, and the sender may lose the answer.
        """
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            discarded = 0
            while discarded < _DRAIN_LIMIT and (chunk := self.rfile.read1(65536)):
                discarded += len(chunk)
        except OSError:
            pass


class InboundServer:
    """The webhook served on a daemon thread; `url` and `port` are set once listening."""

    def __init__(self, app: InboundApp, host: str, port: int) -> None:
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, port), _Handler)
        self._server.app = app
        address = self._server.server_address
        bound_host, self.port = str(address[0]), int(address[1])
        self.url = f"http://[{bound_host}]:{self.port}" if ":" in host else f"http://{bound_host}:{self.port}"
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name="lapor-inbound", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_inbound(store: Store, secrets: Mapping[str, str], host: str, port: int,
                  now: Callable[[], datetime]) -> InboundServer:
    """Serve the agencies' webhook on host:port (0: a free port) in a daemon thread."""
    return InboundServer(InboundApp(store, secrets, now), host, port)


def serve_inbound(settings: Settings) -> int:
    """Serve the webhook from the configured database until SIGINT or SIGTERM."""
    from bot.reply_commands import opened_store
    from bot.wiring import utc_now

    if not settings.agency_secrets:
        log.warning("inbound: no LAPOR_AGENCY_SECRET_<AGENCY_ID> is set: every delivery will be refused")
    stopped = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopped.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        port = DEFAULT_PORT if settings.inbound_port is None else settings.inbound_port
        with opened_store(settings) as store:
            try:
                server = start_inbound(store, settings.agency_secrets, settings.inbound_host, port, utc_now)
            except OSError as exc:
                log.error("inbound: cannot listen on %s:%d: %s", settings.inbound_host, port, exc.strerror or exc)
                return 1
            log.info("inbound: agency status webhook on %s (POST /agencies/<agency-id>/responses), "
                     "%d agencies configured; SIGINT/SIGTERM stops it", server.url, len(settings.agency_secrets))
            try:
                while not stopped.wait(0.5):
                    pass
            finally:
                server.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def add_command(commands: Any) -> None:
    """Register `lapor-bot inbound` on the CLI's subparsers."""
    inbound = commands.add_parser("inbound", help="serve the agencies' signed status webhook until SIGINT/SIGTERM")
    inbound.add_argument("--host", help="address to listen on (default LAPOR_INBOUND_HOST or 127.0.0.1)")
    inbound.add_argument("--port", type=int,
                         help=f"TCP port (default LAPOR_INBOUND_PORT or {DEFAULT_PORT}; 0 picks a free one)")
    inbound.set_defaults(handler=inbound_command)


def inbound_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run `lapor-bot inbound`: the options win over the environment."""
    host = args.host or settings.inbound_host
    port = settings.inbound_port if args.port is None else args.port
    return serve_inbound(replace(settings, inbound_host=host, inbound_port=port))
