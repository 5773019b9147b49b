"""The `lapor-bot export` and `lapor-bot stats` commands (read only)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any

from bot.reply_commands import opened_store
from bot.settings import Settings
from ingest.store.export import FORMATS, ExportFilter, fetch_export_records, fields, write_csv, write_jsonl
from ingest.lifecycle import STATUSES
from ingest.sla import SlaSettings
from ingest.store.stats import Stats, fetch_stats
from ingest.workdays import CalendarError, load_calendar, start_of_day

EXIT_RUNTIME = 1
EXIT_CONFIG = 2
PERSONAL_DATA_WARNING = (
    "lapor-bot: warning: this export holds citizens' personal data (unmasked text, author ids and handles); "
    "keep it on an officer's machine and delete it when done"
)


def add_commands(commands: Any) -> None:
    """Register `export` and `stats` on the CLI's subparsers."""
    export = commands.add_parser("export", help="write complaints as CSV or JSON Lines, personal data masked")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    export.add_argument("--include-personal-data", action="store_true",
                        help="keep the text unmasked and add the author's id and handle")
    export.add_argument("--status", choices=STATUSES)
    export.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="complaints created on or after (WIB)")
    export.set_defaults(handler=export_complaints)

    stats = commands.add_parser("stats", help="counts, median stage times and SLA compliance per agency")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="complaints created on or after (WIB)")
    stats.set_defaults(handler=stats_report)


def export_complaints(settings: Settings, args: argparse.Namespace) -> int:
    """Write the selected complaints to the output, one row each."""
    which = ExportFilter(status=args.status, since=_since(args.since))
    personal = args.include_personal_data
    if personal:
        print(PERSONAL_DATA_WARNING, file=sys.stderr)
    try:
        with opened_store(settings) as store, _output(args.output, args.format) as out:
            records = fetch_export_records(store, which, include_personal_data=personal)
            if args.format == "csv":
                count = write_csv(records, out, fields(personal))
            else:
                count = write_jsonl(records, out)
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the CLI stops quietly
    except OSError as exc:
        print(f"lapor-bot: cannot write {args.output or 'the export'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"exported {count} complaint(s)" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def stats_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the figures as text or JSON."""
    sla = settings.sla
    try:
        calendar = load_calendar(settings.holidays_file)
    except CalendarError as exc:
        print(f"lapor-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    from bot.wiring import utc_now

    with opened_store(settings) as store:
        stats = fetch_stats(store, sla, calendar, utc_now(), since=_since(args.since))
    if args.json:
        print(json.dumps({"respond_days": sla.respond_days, **stats.as_dict()}, ensure_ascii=False, indent=2))
    else:
        print(stats_text(stats, sla))
    return 0


def stats_text(stats: Stats, sla: SlaSettings) -> str:
    """Return the figures as a short report for a terminal."""
    lines = [f"complaints: {stats.total}", f"  by status: {_pairs(stats.by_status)}",
             f"  by kind: {_pairs(stats.by_kind)}", f"  by category: {_pairs(stats.by_category)}",
             "top regions:"]
    lines += [f"  {c.count:>6}  {c.key:<14} {c.name or ''}" for c in stats.top_regions]
    lines.append("by agency:")
    lines += [f"  {c.count:>6}  {c.key:<24} {c.name or ''}" for c in stats.by_agency]
    lines.append("median hours: " + ", ".join(
        f"{stage} {'-' if hours is None else f'{hours:g}'}" for stage, hours in stats.median_hours.items()))
    lines.append(f"responded within {sla.respond_days} working days (or not yet due), per agency:")
    lines += [f"  {c.agency_id:<24} {c.within}/{c.forwarded} ({c.share:.0%})" for c in stats.compliance if c.share is not None]
    if not stats.compliance:
        lines.append("  none forwarded")
    lines.append(f"SLA breaches by stage: {_pairs(stats.breaches_by_stage) or 'none'}")
    return "\n".join(lines)


@contextmanager
def _output(path: str | None, kind: str) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    # newline="": the csv module writes its own line endings.
    with open(path, "w", encoding="utf-8", newline="" if kind == "csv" else None) as out:
        yield out


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2026-03-01, got {value!r}") from None


def _since(day: date | None) -> datetime | None:
    return None if day is None else start_of_day(day)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())
