"""The `lapor-bot` commands around replies: list, send, preview, stop, opt-outs, spend, status."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from bot.settings import Settings
from ingest.store.followups import COMPLAINT_STATUSES, StatusChangeError, change_status, followups_of
from ingest.store.models import ReplyRow
from ingest.store.outbox import opt_outs, remove_opt_out, replies
from ingest.store.store import Store, open_store
from ingest.store.usage import usage_days
from replies.compose import FOLLOWUP_STATUSES, ComposeOptions, compose_acknowledgement, compose_followup
from replies.post import posting_stopped, resume_posting, stop_posting

EXIT_RUNTIME = 1
# `pending` lists what is not settled yet: queued or being sent.
REPLY_STATUSES = ("pending", "queued", "sending", "posted", "failed", "dry_run", "cancelled")


def add_commands(commands: Any) -> None:
    """Register the reply, opt-out, usage and status commands on the CLI's subparsers."""
    replies_cmd = commands.add_parser("replies", help="the outbox: list, send, preview, stop or resume posting")
    actions = replies_cmd.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list replies, newest first")
    listing.add_argument("--status", choices=REPLY_STATUSES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=replies_list)
    send = actions.add_parser("send", help="queue and post the replies that are due, once")
    send.set_defaults(handler=replies_send)
    preview = actions.add_parser("preview", help="show what the bot posts (and would post) for a complaint")
    preview.add_argument("tracking_number")
    preview.set_defaults(handler=replies_preview)
    stop = actions.add_parser("stop", help="stop all posting by every bot process at once")
    stop.add_argument("--reason", default="stopped by an operator")
    stop.set_defaults(handler=replies_stop)
    resume = actions.add_parser("resume", help="lift `replies stop`")
    resume.set_defaults(handler=replies_resume)

    optouts = commands.add_parser("optouts", help="citizens who asked for no automated replies")
    optout_actions = optouts.add_subparsers(dest="action", required=True)
    optout_list = optout_actions.add_parser("list", help="list opt-outs")
    optout_list.add_argument("--json", action="store_true")
    optout_list.set_defaults(handler=optouts_list)
    optout_remove = optout_actions.add_parser("remove", help="undo an opt-out (author id or @username)")
    optout_remove.add_argument("who")
    optout_remove.set_defaults(handler=optouts_remove)

    usage = commands.add_parser("usage", help="X API reads and posts per day, with the estimated spend")
    usage.add_argument("--days", type=int, default=7)
    usage.add_argument("--json", action="store_true")
    usage.set_defaults(handler=usage_report)


def add_status_command(complaint_actions: Any) -> None:
    """Register `complaints status` (a status change that follows up with the citizen)."""
    status = complaint_actions.add_parser("status", help="change a complaint's status (tells the citizen)")
    status.add_argument("tracking_number")
    status.add_argument("status", choices=COMPLAINT_STATUSES)
    status.add_argument("--agency", help="the agency it went to (named in the follow-up)")
    status.add_argument("--note", default="", help="why, for the audit log")
    status.add_argument("--quiet", action="store_true", help="change it without a public follow-up")
    status.set_defaults(handler=complaints_status)


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    """Open the configured database for one command and close it after."""
    store = open_store(settings.database_url)
    try:
        yield store
    finally:
        store.close()


def _now() -> Any:
    from bot.wiring import utc_now

    return utc_now()


def replies_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print the outbox."""
    with opened_store(settings) as store:
        rows = replies(store, status=args.status, limit=args.limit)
    if args.json:
        print(json.dumps([reply_dict(r) for r in rows], ensure_ascii=False, indent=2))
    elif not rows:
        print("no replies" + (f" with status {args.status}" if args.status else ""))
    else:
        print(f"{'ID':>5} {'STATUS':<9} {'PURPOSE':<22} {'IN REPLY TO':<20} {'TRIES':>5} TEXT / LAST ERROR")
        for r in rows:
            note = f" ({r.last_error})" if r.last_error and r.status != "posted" else ""
            print(f"{r.id:>5} {r.status:<9} {r.purpose:<22} {r.in_reply_to_tweet_id:<20} {r.attempts:>5} "
                  f"{one_line(r.text, 70)}{note}")
    return 0


def reply_dict(reply: ReplyRow) -> dict[str, Any]:
    """Return a reply as plain JSON-ready values."""
    return {
        "id": reply.id,
        "status": reply.status,
        "purpose": reply.purpose,
        "language": reply.language,
        "in_reply_to_tweet_id": reply.in_reply_to_tweet_id,
        "posted_tweet_id": reply.posted_tweet_id,
        "attempts": reply.attempts,
        "in_doubt": reply.in_doubt,
        "has_link": reply.has_link,
        "last_error": reply.last_error,
        "created_at": reply.created_at.isoformat(),
        "updated_at": reply.updated_at.isoformat(),
        "text": reply.text,
    }


def replies_send(settings: Settings, args: argparse.Namespace) -> int:
    """Queue and post what is due, once, and print what happened."""
    from bot.wiring import build_bot

    bot = build_bot(settings)
    try:
        report = bot.send()
    finally:
        bot.close()
    if report is None:
        return EXIT_RUNTIME
    print(f"send {report.status}: {report.posted} posted, {report.failed} failed, {report.cancelled} cancelled, "
          f"{report.dry_run} dry run" + (f" ({report.message})" if report.message else ""))
    return 0


def replies_preview(settings: Settings, args: argparse.Namespace) -> int:
    """Print a complaint's replies so far and the texts of the replies still to come."""
    options = ComposeOptions(followup_url=settings.followup_url, ack_link=settings.ack_link)
    with opened_store(settings) as store:
        complaint = store.complaint(args.tracking_number.strip().upper())
        if complaint is None:
            print(f"lapor-bot: no complaint {args.tracking_number}", file=sys.stderr)
            return EXIT_RUNTIME
        assert complaint.id is not None
        sent = replies(store, complaint_id=complaint.id)
        owed = {f.status: f for f in followups_of(store, complaint.id)}
    print(f"{complaint.tracking_number} ({complaint.status}); acknowledgement {complaint.acknowledgement}: "
          f"{complaint.acknowledgement_reason or '-'}")
    for reply in reversed(sent):
        print(f"\n[{reply.status}] {reply.purpose} -> tweet {reply.in_reply_to_tweet_id}\n{reply.text}")
    if complaint.acknowledgement == "pending":
        ack = compose_acknowledgement(complaint.tracking_number, complaint.kind, complaint.category,
                                      complaint.language, options, personal_data=complaint.has_personal_data)
        print(f"\n[would post] acknowledgement\n{ack.text}")
    for status in FOLLOWUP_STATUSES:
        followup = owed.get(status)
        if followup is not None and followup.reply_id is not None:
            continue
        text = compose_followup(status, complaint.tracking_number, complaint.kind, complaint.language, options,
                                agency=(followup.agency if followup else None) or complaint.agency).text
        state = f"follow-up {followup.state}" if followup else "on a change to this status"
        print(f"\n[would post: {state}] followup:{status}\n{text}")
    return 0


def replies_stop(settings: Settings, args: argparse.Namespace) -> int:
    """Stop all posting."""
    with opened_store(settings) as store:
        stop_posting(store, args.reason, _now())
    print(f"posting stopped for every bot process on this database ({args.reason}); "
          "`lapor-bot replies resume` lifts it")
    return 0


def replies_resume(settings: Settings, args: argparse.Namespace) -> int:
    """Lift the stop."""
    with opened_store(settings) as store:
        was = posting_stopped(store)
        resume_posting(store, _now())
    print("posting resumed" if was else "posting was not stopped")
    if not settings.posting_enabled:
        print("note: LAPOR_POSTING_ENABLED=false still keeps this configuration from posting")
    return 0


def optouts_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print the opt-outs."""
    with opened_store(settings) as store:
        rows = opt_outs(store)
    data = [{"author_id": r.author_id, "username": r.author_username, "tweet_id": r.tweet_id,
             "since": r.created_at.isoformat()} for r in rows]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif not data:
        print("no opt-outs")
    else:
        for row in data:
            print(f"{row['author_id']:<20} @{row['username'] or '?':<16} since {row['since']} (tweet {row['tweet_id']})")
    return 0


def optouts_remove(settings: Settings, args: argparse.Namespace) -> int:
    """Undo one opt-out."""
    with opened_store(settings) as store:
        removed = remove_opt_out(store, args.who, _now())
    if removed is None:
        print(f"lapor-bot: no opt-out for {args.who}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"opt-out of @{removed.author_username or removed.author_id} removed: automated replies resume")
    return 0


def usage_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print reads, posts and the estimated spend per day."""
    with opened_store(settings) as store:
        rows = usage_days(store, _now(), args.days)
    prices = settings.prices
    data = [{"day": r.day, "reads": r.reads, "posts": r.posts, "posts_with_link": r.posts_with_link,
             "estimated_usd": round(prices.spend(r.reads, r.posts, r.posts_with_link), 4)} for r in rows]
    if args.json:
        print(json.dumps({"prices_usd": asdict(prices), "days": data}, indent=2))
        return 0
    print(f"prices (USD): read {prices.read:g}, post {prices.post:g}, post with a link {prices.post_with_link:g}")
    print(f"{'DAY':<10} {'READS':>7} {'POSTS':>6} {'+LINK':>6} {'EST. USD':>9}")
    for row in data:
        print(f"{row['day']:<10} {row['reads']:>7} {row['posts']:>6} {row['posts_with_link']:>6} "
              f"{row['estimated_usd']:>9.3f}")
    total = sum(row["estimated_usd"] for row in data)
    print(f"total over {len(data)} day(s) with use: {total:.3f} USD")
    return 0


def complaints_status(settings: Settings, args: argparse.Namespace) -> int:
    """Change a complaint's status; owe the citizen a follow-up unless --quiet."""
    announce = not args.quiet and args.status in FOLLOWUP_STATUSES
    with opened_store(settings) as store:
        try:
            complaint = change_status(store, args.tracking_number.strip().upper(), args.status, _now(),
                                      announce=announce, agency=args.agency, note=args.note)
        except StatusChangeError as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    follow = "a follow-up reply is queued on the next send" if announce else "no public follow-up"
    print(f"{complaint.tracking_number} is now {complaint.status}: {follow}")
    return 0


def login_name() -> str:
    """Return the operator's login name, for the audit log of a command run by hand."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
