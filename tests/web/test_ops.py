"""/metrics speaks Prometheus' text format with the store's true counts, to local or token holders only; /healthz tells the truth."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from bot.metrics import Family, render
from bot.settings import Settings, load_settings
from bot.web import ops
from ingest.pauses import note_failure, pause
from ingest.store.leases import acquire
from ingest.store.metrics import RateLimitFact, read_metrics, save_rate_limit
from ingest.store.models import FollowupRow, ForwardRow, GapRow, QuarantineRow, ReplyRow, SlaBreachRow
from ingest.store.store import Store, open_store
from ingest.store.usage import count_usage
from replies.post import stop_posting
from tests.fakes import START
from tests.forward.helpers import free_port
from tests.web.conftest import add_complaint, app_for

# --- a strict reader of the text exposition format 0.0.4 ---------------------------------------
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
_LABEL = rf"[a-zA-Z_][a-zA-Z0-9_]*={_LABEL_VALUE}"
_VALUE = r"(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]Inf)"
_HELP = re.compile(rf"# HELP ({_NAME}) (.*)")
_TYPE = re.compile(rf"# TYPE ({_NAME}) (counter|gauge|histogram|summary|untyped)")
_SAMPLE = re.compile(rf"({_NAME})(?:\{{({_LABEL}(?:,{_LABEL})*)?\}})? ({_VALUE})")
_ONE_LABEL = re.compile(rf"([a-zA-Z_][a-zA-Z0-9_]*)=({_LABEL_VALUE})")


def parse_exposition(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Return {(name, labels): value}; fail on any line the format does not allow."""
    assert text.endswith("\n")
    typed: set[str] = set()
    helped: set[str] = set()
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if match := _HELP.fullmatch(line):
            assert match.group(1) not in helped, f"line {number}: second HELP"
            helped.add(match.group(1))
        elif match := _TYPE.fullmatch(line):
            assert match.group(1) not in typed, f"line {number}: second TYPE"
            typed.add(match.group(1))
        else:
            match = _SAMPLE.fullmatch(line)
            assert match, f"line {number} is not exposition format: {line!r}"
            name, labels, value = match.groups()
            assert name in typed, f"line {number}: sample before its TYPE"
            pairs = frozenset((k, _unescape(v[1:-1])) for k, v in _ONE_LABEL.findall(labels or ""))
            key = (name, pairs)
            assert key not in samples, f"line {number}: duplicate series"
            samples[key] = float(value)
    return samples


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


# --- helpers --------------------------------------------------------------------------------------
def _with_token(settings: Settings, token: str | None) -> Settings:
    """Return settings carrying a metrics token (set by hand until Settings has the field)."""
    if any(f.name == "metrics_token" for f in dataclasses.fields(settings)):
        return dataclasses.replace(settings, metrics_token=token)  # type: ignore[call-arg]
    object.__setattr__(settings, "metrics_token", token)
    return settings


def _console(store: Store, clock, token: str | None = None):
    app = app_for(store, clock)
    console = app.extensions["lapor_console"]
    console.settings = _with_token(load_settings({}), token)
    return app


def _reply(n: int, status: str, complaint_id: int | None = None) -> ReplyRow:
    return ReplyRow(in_reply_to_tweet_id=str(1_900_000_000_000_000_000 + n), complaint_id=complaint_id,
                    purpose="acknowledgement", language="id", text="t", exclude_user_ids_json="[]", status=status,
                    next_attempt_at=START, created_at=START, updated_at=START)


def _forward(complaint_id: int, channel: str, status: str) -> ForwardRow:
    return ForwardRow(complaint_id=complaint_id, agency_id="dpupr-padang", channel=channel, status=status,
                      next_attempt_at=START, created_at=START, updated_at=START)


def _fill(store: Store, clock) -> None:
    """Store a known state: 3 complaints, replies, forwards, a breach, a gap, usage, a pause."""
    first = add_complaint(store, 1, status="verified", due_stage="respond", due_at=START - timedelta(hours=2))
    second = add_complaint(store, 2, kind="aspirasi", category='odd "cat"\\\nx', status="awaiting_verification")
    add_complaint(store, 3, status="verified")
    with store.session() as s:
        for n, status in enumerate(("posted", "posted", "failed", "queued")):
            s.add(_reply(n, status, first.id))
        s.add(_forward(first.id, "email", "sent"))
        s.add(_forward(first.id, "webhook", "queued"))
        s.add(_forward(second.id, "email", "dead"))
        s.add(SlaBreachRow(complaint_id=first.id, stage="verify", deadline=START, detected_at=START))
        s.add(FollowupRow(complaint_id=first.id, status="verified", state="waiting", reason="r",
                          created_at=START, updated_at=START))
        s.add(QuarantineRow(raw_sha256="a" * 64, source="mentions", reason="bad", raw_json="{}", created_at=START))
        s.add(GapRow(since_id="1", until_id="2", estimated_missing=7, detected_at=START))
    count_usage(store, clock(), reads=100, posts=2, posts_with_link=1)
    pause(store, "mentions", clock(), 600)
    note_failure(store, "create", clock())
    save_rate_limit(store, "mentions", RateLimitFact(limit=450, remaining=12, reset_at=1_795_000_000), clock())
    acquire(store, "poll", "host:1:abc", clock(), timedelta(minutes=3))
    store.set_state("web_secret_key", "never-shown-" + "k" * 40, clock())


# --- the format ----------------------------------------------------------------------------------
def test_render_escapes_label_values_and_help():
    text = render([Family("x_total", "a \\ help\nline").add(1.5, v='a"b\\c\nd'),
                   Family("y", "y").add(float("nan")).add(float("inf"), k="p")])
    samples = parse_exposition(text)
    assert value(samples, "x_total", v='a"b\\c\nd') == 1.5
    assert math.isnan(value(samples, "y"))
    assert value(samples, "y", k="p") == math.inf
    assert "# HELP x_total a \\\\ help\\nline" in text


# --- the counts ----------------------------------------------------------------------------------
def test_metrics_match_a_known_store(store, clock):
    _fill(store, clock)
    client = _console(store, clock).test_client()
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = answer.get_data(as_text=True)
    samples = parse_exposition(text)

    assert value(samples, "lapor_mentions", link="new") == 3
    assert value(samples, "lapor_complaints", kind="pengaduan", category="infrastruktur", status="verified") == 2
    assert value(samples, "lapor_complaints", kind="aspirasi", category='odd "cat"\\\nx',
                 status="awaiting_verification") == 1
    assert value(samples, "lapor_replies", status="posted") == 2
    assert value(samples, "lapor_replies", status="failed") == 1
    assert value(samples, "lapor_replies", status="cancelled") == 0
    assert value(samples, "lapor_forwards", status="sent", channel="email") == 1
    assert value(samples, "lapor_forwards", status="dead", channel="email") == 1
    assert value(samples, "lapor_forwards", status="queued", channel="open311") == 0
    assert value(samples, "lapor_queue_depth", queue="replies") == 1
    assert value(samples, "lapor_queue_depth", queue="forwards") == 1
    assert value(samples, "lapor_queue_depth", queue="followups_waiting") == 1
    assert value(samples, "lapor_queue_depth", queue="mentions_awaiting_reply_decision") == 3
    assert value(samples, "lapor_sla_breaches", stage="verify") == 1
    assert value(samples, "lapor_complaints_overdue", stage="respond") == 1
    assert value(samples, "lapor_quarantined_payloads") == 1
    assert value(samples, "lapor_gaps_open") == 1
    assert value(samples, "lapor_gaps_estimated_missing") == 7
    assert value(samples, "lapor_x_posts_read_today") == 100
    assert value(samples, "lapor_x_posts_created_today", link="true") == 1
    assert value(samples, "lapor_x_spend_usd_today") == pytest.approx(100 * 0.001 + 2 * 0.01 + 0.20)
    assert value(samples, "lapor_x_rate_limit_remaining", endpoint="mentions") == 12
    assert value(samples, "lapor_x_rate_limit_limit", endpoint="mentions") == 450
    assert value(samples, "lapor_x_paused_until_timestamp_seconds", endpoint="mentions") == \
        (clock() + timedelta(seconds=600)).timestamp()
    assert value(samples, "lapor_x_paused_until_timestamp_seconds", endpoint="create") == 0
    assert value(samples, "lapor_x_failures_in_a_row", endpoint="create") == 1
    assert value(samples, "lapor_posting_stopped") == 0
    assert value(samples, "lapor_last_poll_timestamp_seconds") == clock().timestamp()
    assert "never-shown" not in text and "warga_padang" not in text

    stop_posting(store, "test", clock())
    clock.advance(seconds=601)  # the mentions pause has ended
    later = parse_exposition(client.get("/metrics").get_data(as_text=True))
    assert value(later, "lapor_posting_stopped") == 1
    assert value(later, "lapor_x_paused_until_timestamp_seconds", endpoint="mentions") == 0


def test_an_empty_store_has_every_fixed_series_at_zero(store, clock):
    snapshot = read_metrics(store, clock())
    assert snapshot.last_poll is None and snapshot.rate_limits == {}
    samples = parse_exposition(_console(store, clock).test_client().get("/metrics").get_data(as_text=True))
    assert value(samples, "lapor_replies", status="posted") == 0
    assert value(samples, "lapor_queue_depth", queue="replies") == 0
    assert value(samples, "lapor_last_poll_timestamp_seconds") == 0
    assert value(samples, "lapor_x_spend_usd_today") == 0


# --- who may scrape --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("remote", "headers", "token", "status"),
    [
        ("127.0.0.1", {}, None, 200),
        ("::1", {}, None, 200),
        ("::ffff:127.0.0.1", {}, None, 200),
        ("203.0.113.9", {}, None, 403),
        ("203.0.113.9", {"Authorization": "Bearer tok-metrics-123"}, None, 401),  # no token configured
        ("203.0.113.9", {"Authorization": "Bearer tok-metrics-123"}, "tok-metrics-123", 200),
        ("203.0.113.9", {"Authorization": "Bearer wrong"}, "tok-metrics-123", 401),
        ("203.0.113.9", {"Authorization": "Basic tok-metrics-123"}, "tok-metrics-123", 401),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, None, 403),  # a local proxy: not local
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer tok-metrics-123"},
         "tok-metrics-123", 200),
    ],
)
def test_metrics_are_for_loopback_or_the_token(store, clock, remote, headers, token, status):
    client = _console(store, clock, token).test_client()
    answer = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert answer.status_code == status
    if status != 200:
        assert "lapor_" not in answer.get_data(as_text=True)


# --- health -------------------------------------------------------------------------------------------
def test_healthz_reports_database_poll_and_posting(store, clock):
    client = _console(store, clock).test_client()
    answer = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert answer.status_code == 200
    assert answer.get_json() == {"ok": True, "database": "ok", "last_poll": None, "posting": "on"}
    acquire(store, "poll", "host:1:abc", clock(), timedelta(minutes=3))
    pause(store, "create", clock(), 60)
    body = client.get("/healthz").get_json()
    assert body["last_poll"] == "2026-11-28T01:00:00Z" and body["posting"] == "paused"
    stop_posting(store, "maintenance", clock())
    assert client.get("/healthz").get_json()["posting"] == "stopped"


def test_healthz_is_503_when_the_database_is_gone(tmp_path, clock):
    folder = tmp_path / "db"
    folder.mkdir()
    store = open_store(f"sqlite:///{folder / 'lapor.db'}")
    client = _console(store, clock).test_client()
    assert client.get("/healthz").status_code == 200
    store.close()
    folder.rename(tmp_path / "moved")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {"ok": False, "database": "unavailable", "last_poll": None, "posting": "unknown"}
    assert client.get("/metrics").status_code == 503
    assert not folder.exists()  # nothing was created in its place


def test_the_standalone_app_serves_only_metrics_and_health(store, clock):
    app = ops.create_ops_app(ops.Ops(store=store, settings=load_settings({}), now=clock))
    client = app.test_client()
    assert client.get("/healthz").get_json()["ok"] is True
    assert parse_exposition(client.get("/metrics").get_data(as_text=True))
    assert client.get("/").status_code == 404
    assert client.get("/review").status_code == 404


@pytest.mark.sqlite_only
def test_serve_ops_answers_over_http_and_stops_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'lapor.db'}"
    port = free_port()
    code = ("import sys; from bot.settings import load_settings; from bot.web.ops import serve_ops; "
            f"sys.exit(serve_ops(load_settings({{'LAPOR_DATABASE_URL': {url!r}}}), port={port}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "X_"))}
    process = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parents[2], env=env,
                               stderr=subprocess.PIPE, text=True)
    try:
        with requests.Session() as session:
            session.trust_env = False
            deadline = time.monotonic() + 20
            while True:
                try:
                    answer = session.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                    time.sleep(0.1)
            assert answer.status_code == 200 and answer.json()["database"] == "ok"
            metrics = session.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
            assert metrics.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
            assert value(parse_exposition(metrics.text), "lapor_quarantined_payloads") == 0
            process.send_signal(signal.SIGTERM)  # with the keep-alive connection still open
            assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
