"""Real loopback servers for the forwarding tests: a scriptable SMTP handler and HTTP receiver."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from replies.forward.signing import SignatureError, verify
from replies.forward.types import ForwardItem

SECRET = "s3cret-for-dinas-pupr"
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
MASKED_TEXT = (
    "@lapor1708 Jalan berlubang besar di depan SD 12 Padang – sudah dua bulan! "
    "HP saya 0812****5678, NIK ****************. Tolong {segera} ditambal 🙏"
)


def forward_item(**changes: object) -> ForwardItem:
    """Return a verified, urgent complaint for Dinas PUPR Kota Padang, with `changes` applied."""
    item = ForwardItem(
        tracking_number="LPR-2611-00012",
        agency_id="pupr-padang",
        agency_name="Dinas PUPR Kota Padang",
        status="verified",
        kind="pengaduan",
        category="infrastruktur",
        category_name="Infrastruktur dan Pekerjaan Umum",
        region_code="1371",
        region_name="Kota Padang",
        language="id",
        text=MASKED_TEXT,
        created_at=datetime(2026, 11, 28, 0, 40, tzinfo=timezone.utc),
        verified_at=datetime(2026, 11, 28, 1, 5, tzinfo=timezone.utc),
        urgent=True,
        supporters=3,
        mentions=5,
        tweet_urls=(
            "https://x.com/warga1/status/1861000000000000001",
            "https://x.com/warga2/status/1861000000000000002",
        ),
        status_url="https://lapor.example.go.id/status/LPR-2611-00012",
        respond_hint="Tanggapi lewat dasbor instansi: menu Tindak Lanjut, nomor LPR-2611-00012.",
        flags=("personal_data",),
    )
    return dataclasses.replace(item, **changes)


def free_port() -> int:
    """Return a loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP -------------------------------------------------------------------------------------


class ScriptedSmtp:
    """An aiosmtpd handler that records accepted envelopes, or answers what a test scripted."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.reset()

    def reset(self) -> None:
        self.envelopes.clear()
        self.mail_reply: str | None = None
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 2.0.0 Message accepted"


class PasswordCheck:
    """An aiosmtpd authenticator accepting one user and password."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == self.username and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)


class GreetThenHangUp:
    """A TCP server that sends an SMTP greeting and closes the connection at once."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.sendall(b"220 test ESMTP\r\n")

    def close(self) -> None:
        self.listener.close()


# --- HTTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    """One scripted answer."""

    status: int = 200
    body: object = b""  # bytes as is, str encoded, anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return self.body.encode() if isinstance(self.body, str) else json.dumps(self.body).encode()


class Receiver(ThreadingHTTPServer):
    """A loopback HTTP server that records requests and answers from a script.

    With `secret` set it checks each request's signature with `signing.verify` against the
    real clock (the client signs with time.time() in these tests) and answers 401 on failure.
    """

    daemon_threads = True

    def __init__(self, secret: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.requests: list[Recorded] = []
        self.answers: deque[Answer] = deque()
        self.default = Answer(200, {"id": "rcv-1"})
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def reset(self) -> None:
        self.requests.clear()
        self.answers.clear()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def answer_for(self, recorded: Recorded) -> Answer:
        if self.secret is not None:
            try:
                verify(self.secret, recorded.headers, recorded.body, time.time())
            except SignatureError as exc:
                return Answer(401, {"error": str(exc)})
        return self.answers.popleft() if self.answers else self.default


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        recorded = Recorded(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
        self.server.requests.append(recorded)
        answer = self.server.answer_for(recorded)
        time.sleep(answer.delay)
        body = answer.encoded()
        try:
            self.send_response(answer.status)
            for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (timeout tests)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


# --- shared by the end-to-end tests -------------------------------------------------------------

CATEGORY_CODES = ("infrastruktur", "lingkungan", "sosial", "perhubungan", "kependudukan", "pendidikan", "kesehatan",
                  "utilitas", "ketertiban", "perumahan", "ketenagakerjaan", "pemerintahan", "ekonomi", "pajak",
                  "bencana", "lainnya")


def start_smtp() -> object:
    """Return a started aiosmtpd Controller on a free loopback port recording envelopes (`.handler`)."""
    from aiosmtpd.controller import Controller

    controller = Controller(ScriptedSmtp(), hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller
