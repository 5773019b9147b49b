"""`lapor-bot review …`, `complaints respond`, `forwards …`, `export-labels`: officers and agencies at work.

Every command is a thin shell over ingest.store.review (the same logic the web console calls):
it parses, calls, and prints the outcome or the refusal in one line.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import report
from bot.reply_commands import login_name, one_line, opened_store
from bot.settings import Settings
from ingest.store import review
from ingest.lifecycle import STATUSES
from ingest.store.forwards import FORWARD_STATUSES, forwards, retry_dead
from ingest.store.labels import labels
from ingest.store.store import Store

EXIT_RUNTIME = 1


def add_commands(commands: Any, complaint_actions: Any) -> None:
    """Register `review`, `forwards` and `export-labels`, and `complaints respond`."""
    cmd = commands.add_parser("review", help="the officers' review queue and actions on complaints")
    actions = cmd.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="the queue: needs review, then urgent, then nearest deadline")
    listing.add_argument("--all", action="store_true", help="every open complaint, not only those needing review")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--kind")
    listing.add_argument("--category")
    listing.add_argument("--region", help="a region code; everything inside it matches")
    listing.add_argument("--agency", help="an agency id")
    listing.add_argument("--flag", help="personal_data, abusive, urgent, low_confidence, campaign, …")
    listing.add_argument("--overdue", action="store_true", help="only complaints past their SLA deadline")
    listing.add_argument("--search", help="words in the text, or a tracking number")
    listing.add_argument("--limit", type=int, default=30)
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=review_list)

    show = actions.add_parser("show", help="a complaint with its mentions, cluster, audit, replies and forwards")
    show.add_argument("tracking_number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=review_show)

    def action(name: str, help_text: str, handler: Callable[..., int], **extra: Any) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("tracking_number")
        parser.add_argument("--note", default="", help="why, for the audit log")
        parser.add_argument("--as", dest="actor", default=None, help="the officer's name (default: your login)")
        parser.set_defaults(handler=handler, **extra)
        return parser

    action("verify", "verify a complaint (it is a real report); it is forwarded to its agency", review_verify)
    reclass = action("reclassify", "correct kind, category, region or agency (kept as labelled data)",
                     review_reclassify)
    reclass.add_argument("--kind")
    reclass.add_argument("--category")
    reclass.add_argument("--region", help="a region code from regions.csv, e.g. 13.71")
    reclass.add_argument("--agency", help="an agency id from the routing table")
    reject = action("reject", "reject a complaint with a reason (not a report, not our authority)", review_reject)
    reject.add_argument("--reason", required=True)
    urgent = action("urgent", "mark a complaint urgent (danger to life or safety)", review_urgent)
    urgent.add_argument("--off", action="store_true", help="take the mark away")
    personal = action("personal-data", "mark personal data: kept out of exports and replies", review_personal)
    personal.add_argument("--off", action="store_true", help="take the mark away")
    action("forward", "forward a verified complaint to its agency now", review_forward)
    action("unmerge", "reopen a merged complaint on its own", review_unmerge)
    merge = actions.add_parser("merge", help="merge a duplicate complaint into another")
    merge.add_argument("duplicate")
    merge.add_argument("into")
    merge.add_argument("--note", default="")
    merge.add_argument("--as", dest="actor", default=None)
    merge.set_defaults(handler=review_merge)

    respond = complaint_actions.add_parser(
        "respond", help="record an agency's response and status (tells the citizen once per change)")
    respond.add_argument("tracking_number")
    respond.add_argument("--status", required=True, choices=review.RESPONSE_STATUSES)
    respond.add_argument("--note", required=True, help="the response, as the citizen may read it")
    respond.add_argument("--agency", help="record it as this agency (it must be the complaint's agency)")
    respond.add_argument("--as", dest="actor", default=None, help="the officer's name, when not --agency")
    respond.set_defaults(handler=complaints_respond)

    fwd = commands.add_parser("forwards", help="the agency outbox: list, send now, retry a dead one")
    fwd_actions = fwd.add_subparsers(dest="action", required=True)
    fwd_list = fwd_actions.add_parser("list", help="list forwards, newest first")
    fwd_list.add_argument("--status", choices=FORWARD_STATUSES)
    fwd_list.add_argument("--limit", type=int, default=50)
    fwd_list.add_argument("--json", action="store_true")
    fwd_list.set_defaults(handler=forwards_list)
    fwd_send = fwd_actions.add_parser("send", help="run the forward job and the SLA check once")
    fwd_send.set_defaults(handler=forwards_send)
    fwd_retry = fwd_actions.add_parser("retry", help="queue a dead forward again (after fixing its cause)")
    fwd_retry.add_argument("forward_id", type=int)
    fwd_retry.add_argument("--as", dest="actor", default=None)
    fwd_retry.set_defaults(handler=forwards_retry)

    labels = commands.add_parser("export-labels", help="officers' corrections as labelled data for retraining")
    labels.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    labels.add_argument("--output", help="a file (default: standard output)")
    labels.set_defaults(handler=export_labels)


def _now() -> datetime:
    from bot.wiring import utc_now

    return utc_now()


def _officer(args: argparse.Namespace) -> str:
    name = args.actor or login_name()
    return f"officer:{name}"



def _run(settings: Settings, act: Callable[[Store], str]) -> int:
    with opened_store(settings) as store:
        try:
            print(act(store))
        except review.ReviewError as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    return 0


def review_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print the review queue."""
    filters = review.QueueFilters(
        needs_review=None if (args.all or args.status or args.overdue or args.search) else True,
        status=args.status, kind=args.kind, category=args.category, region=args.region,
        agency_id=args.agency, flag=args.flag, overdue=args.overdue, search=args.search,
    )
    limit = max(1, min(args.limit, 500))
    now = _now()
    with opened_store(settings) as store:
        try:
            page = review.review_queue(store, now, filters, limit=limit, offset=(max(args.page, 1) - 1) * limit)
        except review.ReviewError as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    if args.json:
        print(json.dumps({"total": page.total, "counts": page.counts,
                          "items": [_item_dict(item, now) for item in page.items]}, ensure_ascii=False, indent=2))
        return 0
    tabs = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in page.counts.items())
    print(f"{page.total} matching; open complaints: {tabs}")
    if not page.items:
        print("nothing to review" if filters.needs_review else "no complaints match")
        return 0
    print(f"{'TRACKING':<16} {'STATUS':<22} {'KIND/CATEGORY':<28} {'DUE':<14} FLAGS / TEXT")
    for item in page.items:
        c = item.complaint
        marks = ",".join(item.flags) + (" URGENT" if c.urgent else "")
        print(f"{c.tracking_number:<16} {c.status:<22} {c.kind + '/' + c.category:<28} "
              f"{_due(c.due_at, now):<14} {marks.strip() or '-'}")
        print(f"{'':<16} {one_line(c.text, 100)}")
        if c.needs_review and item.reasons:
            print(f"{'':<16} why: {one_line('; '.join(r for r in item.reasons if r.startswith('decide')), 100)}")
    return 0


def _item_dict(item: review.QueueItem, now: datetime) -> dict[str, Any]:
    data = report.complaint_dict(item.complaint)
    data.update(flags=list(item.flags), reasons=list(item.reasons), overdue=item.overdue,
                due=_due(item.complaint.due_at, now))
    return data


def _due(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return "-"
    aware = due_at if due_at.tzinfo else due_at.replace(tzinfo=now.tzinfo)
    hours = (aware - now).total_seconds() / 3600
    if hours < 0:
        return f"OVERDUE {_span(-hours)}"
    return f"in {_span(hours)}"


def _span(hours: float) -> str:
    return f"{hours:.0f}h" if hours < 48 else f"{hours / 24:.0f}d"


def review_show(settings: Settings, args: argparse.Namespace) -> int:
    """Print one complaint with everything an officer needs."""
    with opened_store(settings) as store:
        complaint = store.complaint(args.tracking_number.strip().upper())
        if complaint is None:
            print(f"lapor-bot: no complaint {args.tracking_number}", file=sys.stderr)
            return EXIT_RUNTIME
        print(report.complaint_detail(store, complaint, args.json))
    return 0


def review_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Verify a complaint."""
    def act(store: Store) -> str:
        c = review.verify(store, args.tracking_number, _officer(args), _now(), args.note)
        then = ("it is forwarded to " + (c.agency or "its agency") + " on the next forward run"
                if settings.auto_forward and c.agency_id else "forward it with `lapor-bot review forward`")
        return f"{c.tracking_number} is verified; {then}"
    return _run(settings, act)


def review_reclassify(settings: Settings, args: argparse.Namespace) -> int:
    """Correct the triage of a complaint."""
    from bot.wiring import load_routing_table

    changes = {name: value for name, value in (("kind", args.kind), ("category", args.category),
                                                ("region_code", args.region), ("agency_id", args.agency)) if value}
    routing = load_routing_table(settings)

    def act(store: Store) -> str:
        c = review.reclassify(store, args.tracking_number, _officer(args), _now(), changes=changes,
                              routing=routing, note=args.note)
        return (f"{c.tracking_number}: kind {c.kind}, category {c.category}, region {c.region_code or '-'}, "
                f"agency {c.agency_id or '-'} (kept for retraining: lapor-bot export-labels)")
    return _run(settings, act)


def review_reject(settings: Settings, args: argparse.Namespace) -> int:
    """Reject a complaint with a reason."""
    return _run(settings, lambda store: "{} is rejected".format(
        review.reject(store, args.tracking_number, _officer(args), _now(), args.reason).tracking_number))


def review_urgent(settings: Settings, args: argparse.Namespace) -> int:
    """Mark or unmark a complaint urgent."""
    def act(store: Store) -> str:
        c = review.mark_urgent(store, args.tracking_number, _officer(args), _now(), not args.off, args.note)
        return f"{c.tracking_number} is {'urgent' if c.urgent else 'no longer urgent'}"
    return _run(settings, act)


def review_personal(settings: Settings, args: argparse.Namespace) -> int:
    """Mark or unmark personal data in a complaint."""
    def act(store: Store) -> str:
        c = review.mark_personal_data(store, args.tracking_number, _officer(args), _now(), args.note,
                                      marked=not args.off)
        state = "marked: its text stays out of exports" if c.personal_data_marked else "no longer marked"
        return f"{c.tracking_number}: personal data {state}"
    return _run(settings, act)


def review_forward(settings: Settings, args: argparse.Namespace) -> int:
    """Queue a verified complaint for its agency."""
    from bot.wiring import load_routing_table

    routing = load_routing_table(settings)

    def act(store: Store) -> str:
        channels = review.request_forward(store, args.tracking_number, _officer(args), _now(), routing,
                                          digest_hour=settings.digest_hour, note=args.note)
        return f"{args.tracking_number.strip().upper()} is queued for its agency by {', '.join(channels)}"
    return _run(settings, act)


def review_merge(settings: Settings, args: argparse.Namespace) -> int:
    """Merge a duplicate into another complaint."""
    return _run(settings, lambda store: review.merge(store, args.duplicate, args.into, _officer(args), _now(),
                                                     args.note))


def review_unmerge(settings: Settings, args: argparse.Namespace) -> int:
    """Reopen a merged complaint."""
    return _run(settings, lambda store: "{} is awaiting verification again".format(
        review.unmerge(store, args.tracking_number, _officer(args), _now(), args.note).tracking_number))


def complaints_respond(settings: Settings, args: argparse.Namespace) -> int:
    """Record an agency's response."""
    actor = f"agency:{args.agency}" if args.agency else _officer(args)

    def act(store: Store) -> str:
        outcome = review.record_response(store, args.tracking_number, args.status, args.note, actor, _now(),
                                         source="cli")
        return f"{outcome.complaint.tracking_number}: {outcome.message} (now {outcome.complaint.status})"
    return _run(settings, act)


def forwards_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print the agency outbox."""
    with opened_store(settings) as store:
        rows = forwards(store, status=args.status, limit=args.limit)
        numbers = _tracking_numbers(store, [r.complaint_id for r in rows])
    if args.json:
        print(json.dumps([{"id": r.id, "tracking_number": numbers.get(r.complaint_id), "agency_id": r.agency_id,
                           "channel": r.channel, "purpose": r.purpose, "status": r.status, "attempts": r.attempts,
                           "last_error": r.last_error, "external_id": r.external_id,
                           "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in rows],
                         ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no forwards" + (f" with status {args.status}" if args.status else ""))
        return 0
    print(f"{'ID':>5} {'TRACKING':<16} {'AGENCY':<24} {'CHANNEL':<8} {'PURPOSE':<16} {'STATUS':<9} TRIES NOTE")
    for r in rows:
        note = r.last_error if r.status != "sent" and r.last_error else (r.external_id or "")
        print(f"{r.id:>5} {numbers.get(r.complaint_id, '?'):<16} {r.agency_id:<24} {r.channel:<8} {r.purpose:<16} "
              f"{r.status:<9} {r.attempts:>5} {one_line(note, 60)}")
    return 0


def _tracking_numbers(store: Store, ids: list[int]) -> dict[int, str]:
    from sqlmodel import col, select

    from ingest.store.models import ComplaintRow

    query = select(ComplaintRow.id, ComplaintRow.tracking_number).where(col(ComplaintRow.id).in_(set(ids)))
    return store.read(lambda s: {i: t for i, t in s.exec(query)})


def forwards_send(settings: Settings, args: argparse.Namespace) -> int:
    """Run the SLA check and the forward job once, with the bot's own wiring."""
    from bot.wiring import build_bot

    bot = build_bot(settings)
    try:
        sla = bot.sla()
        result = bot.forward()
    finally:
        bot.close()
    if result is None or sla is None:
        print("lapor-bot: the forward job failed; see the log above", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"forward: {result.queued} queued, {result.sent} sent, {result.retried} to retry, {result.dead} dead, "
          f"{result.digests} digests, {result.responses} Open311 responses; SLA: {len(sla.breaches)} new breaches, "
          f"{len(sla.closed)} auto-closed")
    for problem in result.problems:
        print(f"  problem: {problem}")
    return 0


def forwards_retry(settings: Settings, args: argparse.Namespace) -> int:
    """Queue a dead forward again."""
    with opened_store(settings) as store:
        try:
            row = retry_dead(store, args.forward_id, _now(), _officer(args))
        except ValueError as exc:
            print(f"lapor-bot: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    print(f"forward {row.id} ({row.channel} to {row.agency_id}) is queued again")
    return 0


def export_labels(settings: Settings, args: argparse.Namespace) -> int:
    """Write the officers' corrections as labelled rows (text masked only if marked)."""
    with opened_store(settings) as store:
        rows = labels(store)
    columns = ["tracking_number", "tweet_id", "language", "text", "kind", "kind_was", "category", "category_was",
               "region_code", "region_code_was", "agency_id", "agency_id_was", "personal_data", "labelled_by",
               "labelled_at"]
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "csv":
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{len(rows)} labelled complaints" + (f" written to {args.output}" if args.output else ""),
          file=sys.stderr)
    return 0

