"""A local HTTP server that answers like the X API v2 for the bot's endpoints.

Used in-process by tests and `make run` (real tweepy pointed at `Sandbox.url`)
and standalone through `lapor-bot sandbox` (`Sandbox.serve_forever`).
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api import Api, Request
from .limits import Fault, FaultScript, RateLimiter
from .problems import Answer, problem
from .samples import load_samples
from .state import load_timeline, save_timeline
from .timeline import Timeline, addressed

_MINUTE_MS = 60_000
log = logging.getLogger(__name__)


class Sandbox:
    """A fake X API v2 for one account, served over real HTTP on loopback."""

    def __init__(self, *, account: str = "lapor1708", samples: bool = True,
                 state_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 clock: Callable[[], float] = time.time, mentions_cap: int = 800,
                 rate_limits: dict[str, int] | None = None) -> None:
        self._lock = threading.RLock()
        self._clock = _seconds(clock)
        self._state_path = Path(state_path) if state_path is not None else None
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.requests_log: list[tuple[str, str, dict[str, str]]] = []
        loaded = load_timeline(self._state_path, account) if self._state_path else None
        self._timeline = loaded or Timeline(account)
        if loaded is None and samples:
            load_samples(self._timeline, self._now_ms())
        self.account_id: str = self._timeline.account_id
        self._faults = FaultScript()
        self._api = Api(self._timeline, clock=self._clock, mentions_cap=mentions_cap,
                        limiter=RateLimiter(rate_limits), faults=self._faults,
                        on_change=self._save)
        if loaded is None:
            self._save()

    # -- serving -------------------------------------------------------------

    def start(self) -> Sandbox:
        """Serve in a daemon thread; return self once `url` is set."""
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        self._server = self._bind()
        # A short poll interval keeps stop() (and so each test) quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="lapor-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self, ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until interrupted; call `ready(url)` once listening."""
        server = self._bind()
        try:
            if ready is not None:
                ready(self.url)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _bind(self) -> _Server:
        server_class = _Server6 if ":" in self._host else _Server
        server = server_class((self._host, self._port), _Handler)
        server.sandbox = self
        host, port = server.server_address[:2]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        return server

    def handle(self, request: Request) -> Answer:
        """Log and answer one request (called by the HTTP handler threads)."""
        with self._lock:
            self.requests_log.append((request.method, request.path, dict(request.params)))
            try:
                return self._api.answer(request)
            except Exception as bug:  # a sandbox bug must not look like a network fault
                log.exception("sandbox failed on %s %s", request.method, request.path)
                return Answer(500, problem(500, f"Sandbox error: {bug!r}"))

    # -- shaping the world ---------------------------------------------------

    def add_mention(self, text: str, *, author: str = "warga_test", reply_to: str | None = None,
                    quote_of: str | None = None, retweet_of: str | None = None,
                    lang: str | None = "in", note_text: str | None = None,
                    minutes_ago: float = 0, reply_settings: str = "everyone") -> str:
        """Post a tweet by `author` that mentions the account; return its id.

        "@account " is put in front unless the text already mentions the account.
        A retweet's text is made from the original ("RT @user: ..."); `text` is
        ignored. `note_text` makes a long post whose `text` is truncated.
        """
        with self._lock:
            timeline = self._timeline
            author_id = timeline.ensure_user(author)
            if retweet_of is None:
                text = addressed(text, timeline.account)
                note_text = addressed(note_text, timeline.account) if note_text else None
            tweet = timeline.add_tweet(
                author_id=author_id, text=text, note_text=note_text, lang=lang,
                created_ms=self._now_ms() - int(minutes_ago * _MINUTE_MS), reply_to=reply_to,
                quote_of=quote_of, retweet_of=retweet_of, reply_settings=reply_settings)
            self._save()
            return str(tweet["id"])

    def delete_tweet(self, tweet_id: str) -> None:
        """Delete a tweet (all versions): gone from timelines, replies refused."""
        with self._lock:
            self._timeline.delete(str(tweet_id))
            self._save()

    def edit_tweet(self, tweet_id: str, new_text: str) -> str:
        """Edit a tweet; return the new version's id (the timeline shows only it)."""
        with self._lock:
            new_text = addressed(new_text, self._timeline.account)
            new_id = self._timeline.edit(str(tweet_id), new_text, self._now_ms())
            self._save()
            return new_id

    def script_fault(self, path_contains: str, status: int, *,
                     body: dict[str, Any] | str | None = None,
                     headers: dict[str, str] | None = None, times: int = 1,
                     method: str | None = None) -> None:
        """Answer the next `times` requests whose path (or query string) contains the string with this.

        A str body is sent raw (e.g. truncated JSON); None sends a problem body
        for `status`. `status=0` closes the connection without answering.
        """
        with self._lock:
            self._faults.add(Fault(path_contains, status, body, headers, times, method=method))

    def script_rate_limit(self, path_contains: str, *, reset_in: int | None = 60,
                          times: int = 1) -> None:
        """Answer 429 Too Many Requests, with x-rate-limit-reset now+reset_in (or none)."""
        with self._lock:
            self._faults.add(Fault(path_contains, 429, times=times, kind="rate_limit",
                                   reset_in=reset_in))

    def script_usage_cap(self, path_contains: str, *, times: int = 1) -> None:
        """Answer 429 with X's usage-capped problem type."""
        with self._lock:
            self._faults.add(Fault(path_contains, 429, times=times, kind="usage_cap"))

    def script_delay(self, path_contains: str, seconds: float, *, method: str | None = None,
                     times: int = 1) -> None:
        """Answer the next `times` matching requests `seconds` late (the work is done first)."""
        self._script(Fault(path_contains, 200, times=times, kind="delay", seconds=seconds, method=method))

    def script_reset_mid_body(self, path_contains: str, *, fraction: float = 0.5,
                              method: str | None = None, times: int = 1) -> None:
        """Do the work, send the headers and `fraction` of the body, then reset the connection."""
        self._script(Fault(path_contains, 200, times=times, kind="reset_mid_body",
                           fraction=fraction, method=method))

    def script_truncated(self, path_contains: str, *, fraction: float = 0.5,
                         method: str | None = None, times: int = 1) -> None:
        """Do the work, then send a complete answer whose JSON is cut at `fraction`."""
        self._script(Fault(path_contains, 200, times=times, kind="truncate", fraction=fraction,
                           method=method))

    def script_lost_answer(self, path_contains: str, status: int = 503, *,
                           method: str | None = None, times: int = 1) -> None:
        """Do the work (a post is recorded), then answer `status` instead (0: a reset)."""
        self._script(Fault(path_contains, status, times=times, kind="lost_answer", method=method))

    def script_repeat_page(self, path_contains: str = "/mentions", *, times: int = 1) -> None:
        """Answer the next page with a next_token that asks for the same page again."""
        self._script(Fault(path_contains, 200, times=times, kind="repeat_page", method="GET"))

    def script_skip_page(self, path_contains: str = "/mentions", *, times: int = 1) -> None:
        """Answer the next page with a next_token that jumps over the page after it."""
        self._script(Fault(path_contains, 200, times=times, kind="skip_page", method="GET"))

    def script_action(self, path_contains: str, action: Callable[[], None], *,
                      method: str | None = None, times: int = 1) -> None:
        """Run `action()` (e.g. delete a mention) just before answering the next matching request."""
        self._script(Fault(path_contains, 200, times=times, kind="action", action=action,
                           method=method))

    def _script(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    # -- inspecting ----------------------------------------------------------

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every tweet created through POST /2/tweets, oldest first."""
        return self._timeline.posts

    def mention_ids(self) -> list[str]:
        """Return the ids of every live mention of the account, newest first."""
        with self._lock:
            return [t["id"] for t in self._timeline.mentions_of(self._timeline.account)]

    def sample_id(self, key: str) -> str:
        """Return the id of the newest version of the sample called `key`."""
        with self._lock:
            for tweet in self._timeline.tweets.values():
                if tweet.get("sample_key") == key and self._timeline.is_latest(tweet):
                    return str(tweet["id"])
        raise KeyError(f"no sample called {key!r}")

    def tweet(self, tweet_id: str) -> dict[str, Any]:
        """Return a copy of the stored tweet (including deleted ones)."""
        with self._lock:
            return json.loads(json.dumps(self._timeline.tweets[str(tweet_id)]))

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _save(self) -> None:
        if self._state_path is not None:
            with self._lock:
                save_timeline(self._state_path, self._timeline)


def _seconds(clock: Callable[[], Any]) -> Callable[[], float]:
    """Accept a clock giving Unix seconds or aware datetimes; return one giving seconds."""
    def seconds() -> float:
        now = clock()
        return now.timestamp() if isinstance(now, datetime) else float(now)
    return seconds


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tsa_sandbox"
    sys_version = ""
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: tests and the CLI read `requests_log` instead."""

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {name: values[-1]
                  for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.sandbox.handle(
            Request(method, url.path, params, self.headers.get("Authorization"), body))
        if answer.delay:
            time.sleep(answer.delay)  # outside the sandbox's lock: other requests go on
        try:
            if answer.status == 0:
                self._reset()
            else:
                self._send(answer)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (a scripted delay past its timeout): nobody to tell.
            self.close_connection = True

    def _reset(self) -> None:
        # Linger 0 makes close() send a TCP reset instead of an orderly close.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _send(self, answer: Answer) -> None:
        raw = answer.body if isinstance(answer.body, str) else json.dumps(answer.body,
                                                                          ensure_ascii=False)
        payload = raw.encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if answer.cut is None:
            self.wfile.write(payload)
            return
        self.wfile.write(payload[: int(len(payload) * answer.cut)])
        self.wfile.flush()
        self._reset()
