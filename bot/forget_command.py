"""`lapor-bot forget --tweet ID | --user USERNAME`: delete a person's tweets and personal data on request."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.reply_commands import login_name, opened_store
from bot.settings import Settings
from ingest.store.forget import ForgetError, ForgetReport, forget_tweet, forget_user

EXIT_RUNTIME = 1
EXIT_USAGE = 2


def add_command(commands: Any) -> None:
    """Register `forget` on the CLI's subparsers."""
    forget = commands.add_parser(
        "forget", help="delete a tweet's or an X user's text and personal data everywhere (on the person's request)",
        description="Delete a person's tweets and personal data from every table. Complaints keep their "
                    "tracking number, category, region, agency, status and dates for the statistics; the "
                    "forgotten tweets are never stored again. Logged with who ran it; running it twice is harmless.")
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument("--tweet", metavar="ID", help="one tweet id (every edit of it too)")
    which.add_argument("--user", metavar="USERNAME", help="@username, or the numeric X user id")
    forget.add_argument("--yes", action="store_true", help="do not ask to confirm")
    forget.add_argument("--as", dest="actor", default=None, help="the officer's name (default: your login)")
    forget.set_defaults(handler=forget_command)


def forget_command(settings: Settings, args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    """Confirm, forget, and print the rows changed per table."""
    target = f"tweet {args.tweet}" if args.tweet else f"X user {args.user}"
    if not args.yes and not _confirmed(target, ask):
        print("lapor-bot: nothing forgotten", file=sys.stderr)
        return EXIT_RUNTIME
    actor = f"officer:{args.actor or login_name()}"
    from bot.wiring import utc_now

    with opened_store(settings) as store:
        try:
            if args.tweet:
                report = forget_tweet(store, args.tweet, utc_now(), actor)
            else:
                report = forget_user(store, args.user, utc_now(), actor)
        except ForgetError as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_USAGE
    print(report_text(target, report))
    return 0


def report_text(target: str, report: ForgetReport) -> str:
    """Return what was removed, one table a line."""
    if not report.total:
        return f"{target}: nothing left to remove (forgotten before, or never stored); the request is logged"
    lines = [f"{target} forgotten: {report.total} rows changed"]
    lines += [f"  {table:<20} {count}" for table, count in sorted(report.counts.items())]
    if report.tracking_numbers:
        lines.append("complaints kept for the statistics, text removed: " + ", ".join(report.tracking_numbers))
    return "\n".join(lines)


def _confirmed(target: str, ask: Callable[[str], str]) -> bool:
    if not sys.stdin.isatty() and ask is input:
        print("lapor-bot: forget needs --yes when not run from a terminal", file=sys.stderr)
        return False
    try:
        answer = ask(f"Forget {target}: remove its texts and personal data from every table, for good? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")

