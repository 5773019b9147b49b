"""The bot's metrics in Prometheus' text exposition format (version 0.0.4), from the database.

Every metric is a gauge read from the stored state at scrape time, so every bot process and
the console report the same numbers, and a restart loses nothing. Labels with a known, small
set of values (reply and forward statuses, queues) are always present, at 0 when empty, so an
alert on them never sees an absent series.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.settings import Prices, Settings
from ingest.store.metrics import MetricsSnapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REPLY_STATUSES = ("queued", "sending", "posted", "failed", "dry_run", "cancelled")
FORWARD_STATUSES = ("queued", "sending", "sent", "dead", "cancelled")
FORWARD_CHANNELS = ("email", "webhook", "open311", "digest")
X_ENDPOINTS = ("mentions", "create")  # ingest.poll.MENTIONS, replies.post.CREATE
DEFAULT_PORT = 9708
Labels = tuple[tuple[str, str], ...]


@dataclass
class Family:
    """One metric: its name, help, type and samples."""

    name: str
    help: str
    kind: str = "gauge"
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Family:
        """Add one sample; return self."""
        self.samples.append((tuple(labels.items()), value))
        return self


def render(families: Iterable[Family]) -> str:
    """Return the families as exposition text (ends with a newline)."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            lines.append(f"{family.name}{_labels(labels)} {_value(value)}")
    return "\n".join(lines) + "\n"


def families(snapshot: MetricsSnapshot, prices: Prices) -> list[Family]:
    """Return the metrics of a snapshot of the database."""
    usage = snapshot.usage_today
    return [
        _each(Family("lapor_mentions", "Mentions stored, by how each was linked (new, repeat, support, ...)"),
              snapshot.mentions_by_link, "link"),
        _complaints(snapshot.complaints),
        _each(Family("lapor_replies", "Replies in the outbox, by status"),
              _with_zeros(snapshot.replies_by_status, REPLY_STATUSES), "status"),
        _forwards(snapshot.forwards),
        _queues(snapshot),
        _each(Family("lapor_sla_breaches", "SLA deadlines missed (recorded breaches), by stage"),
              snapshot.sla_breaches_by_stage, "stage"),
        _each(Family("lapor_complaints_overdue", "Complaints past their running SLA deadline now, by stage"),
              snapshot.overdue_by_stage, "stage"),
        *_x_facts(snapshot),
        Family("lapor_x_posts_read_today", "Posts read from X today (UTC), as X bills them").add(usage.reads),
        Family("lapor_x_posts_created_today", "Posts created on X today (UTC), by whether they carry a link")
        .add(usage.posts, link="false").add(usage.posts_with_link, link="true"),
        Family("lapor_x_spend_usd_today", "Estimated X API spend today (UTC) in US dollars, at the configured prices")
        .add(round(prices.spend(usage.reads, usage.posts, usage.posts_with_link), 6)),
        Family("lapor_quarantined_payloads", "Payloads from X that could not be read, kept for inspection")
        .add(snapshot.quarantined),
        Family("lapor_gaps_open", "Stretches of the mentions timeline beyond X's reach, not yet backfilled")
        .add(snapshot.gaps_open),
        Family("lapor_gaps_estimated_missing", "Mentions estimated missing in the open gaps")
        .add(snapshot.gaps_estimated_missing),
        Family("lapor_posting_stopped", "1 while an operator has stopped all posting (lapor-bot replies stop)")
        .add(1 if snapshot.posting_stopped is not None else 0),
        Family("lapor_last_poll_timestamp_seconds", "When the mentions poller last ran (Unix seconds; 0: never)")
        .add(_timestamp(snapshot.last_poll)),
    ]


def render_metrics(snapshot: MetricsSnapshot, prices: Prices) -> str:
    """Return the whole /metrics page."""
    return render(families(snapshot, prices))


def _complaints(counts: Mapping[tuple[str, str, str], int]) -> Family:
    family = Family("lapor_complaints", "Complaints, by kind, category and status")
    for (kind, category, status), count in sorted(counts.items()):
        family.add(count, kind=kind, category=category, status=status)
    return family


def _forwards(counts: Mapping[tuple[str, str], int]) -> Family:
    family = Family("lapor_forwards", "Forwards to agencies in the outbox, by status and channel")
    keys = {(status, channel) for status in FORWARD_STATUSES for channel in FORWARD_CHANNELS} | set(counts)
    for status, channel in sorted(keys):
        family.add(counts.get((status, channel), 0), status=status, channel=channel)
    return family


def _queues(snapshot: MetricsSnapshot) -> Family:
    family = Family("lapor_queue_depth", "Work waiting, by queue")
    family.add(snapshot.replies_by_status.get("queued", 0), queue="replies")
    family.add(sum(n for (status, _), n in snapshot.forwards.items() if status == "queued"), queue="forwards")
    family.add(snapshot.mentions_awaiting_reply_decision, queue="mentions_awaiting_reply_decision")
    family.add(snapshot.followups_waiting, queue="followups_waiting")
    return family


def _x_facts(snapshot: MetricsSnapshot) -> list[Family]:
    remaining = Family("lapor_x_rate_limit_remaining", "Requests left in X's current rate-limit window, by endpoint")
    limit = Family("lapor_x_rate_limit_limit", "Requests allowed in X's rate-limit window, by endpoint")
    reset = Family("lapor_x_rate_limit_reset_timestamp_seconds", "When X's rate-limit window resets (Unix seconds)")
    for endpoint, fact in sorted(snapshot.rate_limits.items()):
        for family, value in ((remaining, fact.remaining), (limit, fact.limit), (reset, fact.reset_at)):
            if value is not None:
                family.add(value, endpoint=endpoint)
    paused = Family("lapor_x_paused_until_timestamp_seconds",
                    "Until when the bot leaves an X endpoint alone after a 429 or failures (Unix seconds; 0: not paused)")
    for endpoint in sorted(set(X_ENDPOINTS) | set(snapshot.paused_until)):
        paused.add(_timestamp(snapshot.paused_until.get(endpoint)), endpoint=endpoint)
    failures = Family("lapor_x_failures_in_a_row", "Failed calls to an X endpoint since its last success")
    for endpoint in sorted(set(X_ENDPOINTS) | set(snapshot.failures_in_a_row)):
        failures.add(snapshot.failures_in_a_row.get(endpoint, 0), endpoint=endpoint)
    return [remaining, limit, reset, paused, failures]


def _each(family: Family, counts: Mapping[str, int], label: str) -> Family:
    for key, count in sorted(counts.items()):
        family.add(count, **{label: key})
    return family


def _with_zeros(counts: Mapping[str, int], known: Iterable[str]) -> dict[str, int]:
    return {key: 0 for key in known} | dict(counts)


def _timestamp(moment: datetime | None) -> float:
    return round(moment.timestamp(), 3) if moment is not None else 0


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape_label(value)}"' for name, value in labels) + "}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _value(value: float) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def add_command(commands: Any) -> None:
    """Register `lapor-bot metrics` on the CLI's subparsers."""
    cmd = commands.add_parser("metrics", help="serve /metrics (Prometheus) and /healthz on their own")
    cmd.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    cmd.add_argument("--port", type=int, help=f"TCP port (default {DEFAULT_PORT})")
    cmd.set_defaults(handler=metrics_command)


def metrics_command(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the two ops endpoints with waitress until a signal."""
    from bot.web.ops import serve_ops

    host = args.host or getattr(settings, "metrics_host", None) or "127.0.0.1"
    port = args.port if args.port is not None else getattr(settings, "metrics_port", None) or DEFAULT_PORT
    return serve_ops(settings, host=host, port=port)
