"""`lapor-bot complaints unlink|merge|unmerge`: an officer correcting the bot's linking."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.reply_commands import opened_store
from bot.settings import Settings
from ingest.store.followups import StatusChangeError, change_status
from ingest.store.links import LinkChangeError, merge_complaints, unlink_mention

EXIT_RUNTIME = 1


def add_commands(complaint_actions: Any) -> None:
    """Register unlink, merge and unmerge under `complaints`."""
    unlink = complaint_actions.add_parser("unlink", help="undo the bot's link of a mention (repeat, related, …)")
    unlink.add_argument("tweet_id")
    unlink.add_argument("--note", default="", help="why, for the audit log")
    unlink.set_defaults(handler=unlink_command)
    merge = complaint_actions.add_parser("merge", help="merge a duplicate complaint into another")
    merge.add_argument("duplicate", help="tracking number of the duplicate")
    merge.add_argument("into", help="tracking number of the complaint that stays")
    merge.add_argument("--note", default="")
    merge.set_defaults(handler=merge_command)
    unmerge = complaint_actions.add_parser("unmerge", help="reopen a merged complaint on its own")
    unmerge.add_argument("tracking_number")
    unmerge.add_argument("--note", default="")
    unmerge.set_defaults(handler=unmerge_command)


def _now() -> Any:
    from bot.wiring import utc_now

    return utc_now()


def unlink_command(settings: Settings, args: argparse.Namespace) -> int:
    """Undo one link."""
    return _run(settings, lambda store: unlink_mention(store, args.tweet_id.strip(), _now(), note=args.note))


def merge_command(settings: Settings, args: argparse.Namespace) -> int:
    """Merge one complaint into another."""
    duplicate, into = args.duplicate.strip().upper(), args.into.strip().upper()
    return _run(settings, lambda store: merge_complaints(store, duplicate, into, _now(), note=args.note))


def unmerge_command(settings: Settings, args: argparse.Namespace) -> int:
    """Reopen a merged complaint."""
    number = args.tracking_number.strip().upper()

    def reopen(store: Any) -> str:
        change_status(store, number, "awaiting_verification", _now(), announce=False, note=args.note or "unmerged")
        return f"{number} is open again (awaiting verification)"

    return _run(settings, reopen)


def _run(settings: Settings, action: Any) -> int:
    with opened_store(settings) as store:
        try:
            print(action(store))
        except (LinkChangeError, StatusChangeError) as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    return 0
