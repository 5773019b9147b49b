"""The `lapor-bot` command: run the bot, serve the sandbox, look at complaints."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence

from dotenv import load_dotenv

from bot import (
    classify_command,
    demo,
    doctor,
    export_commands,
    forget_command,
    inbound,
    link_commands,
    metrics,
    reply_commands,
    report,
    review_commands,
    web_commands,
)
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings
from ingest.errors import StoreError

EXIT_CONFIG = 2
EXIT_RUNTIME = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    load_dotenv(".env", override=False)
    try:
        settings = load_settings(os.environ)
    except SettingsError as exc:
        print(f"lapor-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level, settings.secrets(), json_lines=settings.log_format == "json")
    try:
        return int(args.handler(settings, args) or 0)
    except BrokenPipeError:
        # The reader went away (`lapor-bot classify --jsonl | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_RUNTIME
    except SettingsError as exc:
        print(f"lapor-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"lapor-bot: database error: {exc}", file=sys.stderr)
        return EXIT_RUNTIME


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lapor-bot", description="The LAPOR! mentions bot for X.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="poll mentions and send replies until SIGINT/SIGTERM")
    run.add_argument("--once", action="store_true", help="run every job once, print a summary and exit")
    run.add_argument("--jobs", default="poll,send,forward,sla,retention",
                     help="the jobs this process runs, comma-separated (poll, send, forward, sla, retention): e.g. "
                          "one process with poll,sla,retention and several with send,forward on one database")
    run.set_defaults(handler=_run)

    sandbox = commands.add_parser("sandbox", help="serve the local X API sandbox until Ctrl-C")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8708)
    sandbox.add_argument("--state", default=None, help="JSON file that keeps the sandbox's timeline")
    sandbox.add_argument("--no-samples", action="store_true", help="start with an empty timeline")
    sandbox.set_defaults(handler=_sandbox)

    complaints = commands.add_parser("complaints", help="look at stored complaints")
    actions = complaints.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list the newest complaints")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=_complaints_list)
    show = actions.add_parser("show", help="show one complaint with its mentions and replies")
    show.add_argument("tracking_number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_complaints_show)
    reply_commands.add_status_command(actions)
    link_commands.add_commands(actions)
    reply_commands.add_commands(commands)
    review_commands.add_commands(commands, actions)
    export_commands.add_commands(commands)
    inbound.add_command(commands)
    web_commands.add_commands(commands)
    demo.add_command(commands)
    doctor.add_command(commands)
    metrics.add_command(commands)
    forget_command.add_command(commands)
    classify_command.add_command(commands)
    return parser


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduler import run_until_stopped
    from bot.wiring import build_bot

    from bot.scheduler import JOBS

    jobs = tuple(dict.fromkeys(job.strip() for job in args.jobs.split(",") if job.strip()))
    if not jobs or (unknown := [job for job in jobs if job not in JOBS]):
        raise SettingsError(f"--jobs: choose from {', '.join(JOBS)}"
                            + (f", not {unknown[0]!r}" if jobs and unknown else ""))
    bot = build_bot(settings)
    if "poll" in jobs and not args.once:
        from ingest.triage import warm_up

        warm_up()  # the first burst of mentions is not slowed by loading the model and langdetect
    server = None
    try:
        if settings.inbound_port and not args.once:
            from bot.wiring import utc_now

            try:
                server = inbound.start_inbound(bot.store, settings.agency_secrets, settings.inbound_host,
                                               settings.inbound_port, utc_now)
            except OSError as exc:
                raise SettingsError(f"LAPOR_INBOUND_PORT: cannot listen on {settings.inbound_host}:"
                                    f"{settings.inbound_port}: {exc.strerror or exc}") from None
            print(f"agency status webhook on {server.url}/agencies/<agency-id>/responses", file=sys.stderr)
        if args.once:
            for job in ("poll", "sla", "forward", "send", "retention"):
                if job in jobs:
                    getattr(bot, job)()
        else:
            run_until_stopped(bot, jobs=jobs)
        print(report.summary(bot.store, bot.totals, settings.prices))
    finally:
        if server is not None:
            server.stop()
        bot.close()
    return 0


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox import Sandbox

    server = Sandbox(account=settings.account, samples=not args.no_samples, state_path=args.state,
                     host=args.host, port=args.port)
    print(f"X API sandbox for @{settings.account} on http://{args.host}:{args.port} "
          f"(set X_API_BASE_URL to this address); Ctrl-C stops it", file=sys.stderr)
    # Stop on SIGINT and SIGTERM even when started with SIGINT ignored (a background job).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _complaints_list(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.store.store import open_store

    store = open_store(settings.database_url)
    try:
        rows = store.complaints(limit=args.limit)
        if args.json:
            print(json.dumps([report.complaint_dict(c) for c in rows], ensure_ascii=False, indent=2))
        else:
            print(report.complaint_table(rows))
    finally:
        store.close()
    return 0


def _complaints_show(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.store.store import open_store

    store = open_store(settings.database_url)
    try:
        complaint = store.complaint(args.tracking_number.strip().upper())
        if complaint is None:
            print(f"lapor-bot: no complaint {args.tracking_number}", file=sys.stderr)
            return EXIT_RUNTIME
        print(report.complaint_detail(store, complaint, args.json))
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
