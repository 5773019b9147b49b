"""What the CLI prints: the run summary and the complaint listings."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from bot.settings import Prices
from ingest.store.audit import audit_trail
from ingest.store.models import (
    ComplaintRow,
    ForwardRow,
    GapRow,
    MentionRow,
    OptOutRow,
    QuarantineRow,
    ReplyRow,
    ResponseRow,
    UsageRow,
)
from ingest.store.store import Store
from replies.post import STOP_KEY


def summary(store: Store, totals: dict[str, int], prices: Prices | None = None) -> str:
    """Return a short human summary of this run and of the database."""
    kinds = store.count_by(ComplaintRow.kind)
    categories = store.count_by(ComplaintRow.category)
    replies = store.count_by(ReplyRow.status)
    links = store.count_by(MentionRow.link)
    quarantined = sum(store.count_by(QuarantineRow.source).values())
    gaps = store.count_by(GapRow.status)
    lines = [
        "== LAPOR! mentions bot: summary ==",
        "this run: " + ", ".join(f"{value} {name}" for name, value in totals.items()
                                 if value or name in ("mentions read", "complaints opened", "replies posted")),
        f"mentions stored: {sum(links.values())} ({_pairs(links)})",
        f"complaints: {sum(kinds.values())}",
        f"  by kind: {_pairs(kinds)}",
        f"  by category: {_pairs(categories)}",
        f"  acknowledgements: {_pairs(store.count_by(ComplaintRow.acknowledgement))}",
        f"replies: {_pairs(replies) or 'none'}",
        f"quarantined payloads: {quarantined}",
    ]
    if gaps:
        lines.append(f"timeline gaps: {_pairs(gaps)}")
    lines.append(f"replies by purpose: {_pairs(store.count_by(ReplyRow.purpose)) or 'none'}")
    stopped = store.get_state(STOP_KEY)
    if stopped:
        lines.append(f"POSTING STOPPED by an operator: {stopped} (lapor-bot replies resume)")
    opted_out = sum(store.count_by(OptOutRow.author_id).values())
    if opted_out:
        lines.append(f"opted out of automated replies: {opted_out}")
    if prices is not None:
        lines.append(_spend_today(store, prices))
    return "\n".join(lines)


def _spend_today(store: Store, prices: Prices) -> str:
    today = store.read(lambda s: s.exec(select(UsageRow).order_by(col(UsageRow.day).desc()).limit(1)).first())
    if today is None:
        return "X API use: none recorded"
    cost = prices.spend(today.reads, today.posts, today.posts_with_link)
    return (f"X API use on {today.day} (UTC): {today.reads} posts read, {today.posts} posts, "
            f"{today.posts_with_link} with a link: about {cost:.2f} USD")


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def complaint_dict(complaint: ComplaintRow) -> dict[str, Any]:
    """Return a complaint as plain JSON-ready values."""
    return {
        "tracking_number": complaint.tracking_number,
        "status": complaint.status,
        "kind": complaint.kind,
        "category": complaint.category,
        "language": complaint.language,
        "author": complaint.author_username,
        "first_tweet_id": complaint.first_tweet_id,
        "supporters": complaint.supporters,
        "mentions": complaint.mentions,
        "region_code": complaint.region_code,
        "region": complaint.region_name,
        "agency_id": complaint.agency_id,
        "agency": complaint.agency,
        "flags": json.loads(complaint.flags_json or "[]"),
        "urgent": complaint.urgent,
        "cluster_id": complaint.cluster_id,
        "needs_review": complaint.needs_review,
        "has_personal_data": complaint.has_personal_data,
        "acknowledgement": complaint.acknowledgement,
        "personal_data_marked": complaint.personal_data_marked,
        "rejection_reason": complaint.rejection_reason,
        "created_at": complaint.created_at.isoformat(),
        **{stage: _iso(getattr(complaint, stage)) for stage in _STAGES},
        "sla_stage": complaint.due_stage,
        "due": _iso(complaint.due_at),
        "text": complaint.text,
    }


_STAGES = ("acknowledged_at", "verified_at", "forwarded_at", "responded_at", "closed_at")


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def complaint_table(complaints: list[ComplaintRow]) -> str:
    """Return complaints as an aligned text table, one line each."""
    if not complaints:
        return "no complaints yet"
    lines = [f"{'TRACKING':<16} {'STATUS':<22} {'KIND':<12} {'CATEGORY':<16} {'ACK':<8} TEXT"]
    for c in complaints:
        text = " ".join(c.text.split())
        text = text if len(text) <= 60 else text[:59] + "…"
        lines.append(
            f"{c.tracking_number:<16} {c.status:<22} {c.kind:<12} {c.category:<16} {c.acknowledgement:<8} {text}"
        )
    return "\n".join(lines)


def complaint_detail(store: Store, complaint: ComplaintRow, as_json: bool) -> str:
    """Return one complaint with its mentions, replies and events."""
    assert complaint.id is not None
    mentions, replies, events = store.complaint_details(complaint.id)
    data = complaint_dict(complaint)
    data["mentions_detail"] = [
        {"tweet_id": m.tweet_id, "author": m.author_username, "link": m.link, "reason": m.link_reason,
         "created_at": m.created_at.isoformat(), "reasons": json.loads(m.reasons_json), "text": m.text}
        for m in mentions
    ]
    data["replies"] = [
        {"in_reply_to": r.in_reply_to_tweet_id, "purpose": r.purpose, "status": r.status,
         "posted_tweet_id": r.posted_tweet_id,
         "attempts": r.attempts, "last_error": r.last_error, "text": r.text}
        for r in replies
    ]
    data["events"] = [{"at": e.at.isoformat(), "kind": e.kind, "message": e.message} for e in events]
    data["cluster"] = _cluster(store, complaint)
    data["audit"] = [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "field": a.field,
                      "previous": a.previous, "value": a.value, "reason": a.reason}
                     for a in audit_trail(store, complaint.id)]
    data["forwards"] = [{"id": f.id, "agency_id": f.agency_id, "channel": f.channel, "purpose": f.purpose,
                         "status": f.status, "attempts": f.attempts, "last_error": f.last_error,
                         "external_id": f.external_id} for f in _forwards(store, complaint.id)]
    data["responses"] = [{"at": r.at.isoformat(), "actor": r.actor, "status": r.status, "note": r.note,
                          "source": r.source} for r in _responses(store, complaint.id)]
    if as_json:
        return json.dumps(data, ensure_ascii=False, indent=2)
    return _detail_text(data)


def _forwards(store: Store, complaint_id: int) -> list[ForwardRow]:
    query = select(ForwardRow).where(ForwardRow.complaint_id == complaint_id).order_by(col(ForwardRow.id))
    return store.read(lambda s: list(s.exec(query)))


def _responses(store: Store, complaint_id: int) -> list[ResponseRow]:
    query = select(ResponseRow).where(ResponseRow.complaint_id == complaint_id).order_by(col(ResponseRow.id))
    return store.read(lambda s: list(s.exec(query)))


def _cluster(store: Store, complaint: ComplaintRow) -> list[str]:
    """Return the tracking numbers of the other complaints about very likely the same problem."""
    root = complaint.cluster_id or complaint.id
    query = select(ComplaintRow.tracking_number).where(
        (col(ComplaintRow.cluster_id) == root) | (col(ComplaintRow.id) == root), col(ComplaintRow.id) != complaint.id
    )
    return store.read(lambda s: sorted(s.exec(query).all()))


def _detail_text(data: dict[str, Any]) -> str:
    lines = [f"{data['tracking_number']}  {data['status']}  {data['kind']}/{data['category']}"]
    lines.append(f"author @{data['author']}, {data['mentions']} mentions, {data['supporters']} supporters, "
                 f"needs review: {'yes' if data['needs_review'] else 'no'}")
    lines.append(f"region: {data['region'] or '-'} ({data['region_code'] or 'not named'}); "
                 f"agency: {data['agency'] or '-'}; flags: {', '.join(data['flags']) or 'none'}")
    if data["cluster"]:
        lines.append(f"same problem, other citizens: {', '.join(data['cluster'])}")
    lines.append(f"text: {data['text']}")
    lines.append("mentions:")
    lines += [f"  {m['tweet_id']} @{m['author']} [{m['link']}] {m['reason']}" for m in data["mentions_detail"]]
    lines.append("replies:")
    lines += [f"  [{r['status']}] {r['purpose']}: {r['text']}" for r in data["replies"]] or ["  none"]
    if data.get("due"):
        lines.append(f"deadline: {data['due']}")
    lines.append("forwards:")
    lines += [f"  #{f['id']} {f['purpose']} to {f['agency_id']} by {f['channel']}: {f['status']} "
              f"({f['attempts']} attempts){' - ' + f['last_error'] if f['last_error'] else ''}"
              for f in data["forwards"]] or ["  none"]
    if data["responses"]:
        lines.append("agency responses:")
        lines += [f"  {r['at']} {r['actor']} [{r['status']}] {r['note']}" for r in data["responses"]]
    lines.append("audit:")
    lines += [f"  {a['at']} {a['actor']} {a['action']}"
              + (f" {a['field']}: {a['previous']} -> {a['value']}" if a["field"] else "")
              + (f" ({a['reason']})" if a["reason"] else "") for a in data["audit"]] or ["  none"]
    lines.append("events:")
    lines += [f"  {e['at']} {e['kind']}: {e['message']}" for e in data["events"]]
    return "\n".join(lines)
