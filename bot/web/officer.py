"""The officers' pages: the review queue, one complaint, and the actions on it.

Every read and action goes through `ingest.store.review` with `actor()`, so the rules (who may
do what, what the audit records) live there. The queue page makes one `review_queue` call and
one query for the page's confidences, however many complaints there are.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from bot.web.app import actor, console, language, requires, t
from bot.web.public import when as public_when
from bot.web.texts import register
from ingest.decide import RULE_KINDS
from ingest.lifecycle import STATUSES
from ingest.personal_data import find_personal_data
from ingest.sla import clock_of
from ingest.store import review
from ingest.store.dashboard import fetch_confidences
from ingest.store.models import MentionRow
from ingest.triage import REVIEW_BELOW
from ingest.workdays import WorkCalendar
from replies.compose import category_names

bp = Blueprint("officer", __name__)
PAGE_SIZE = 50
EXCERPT = 140
WIB = ZoneInfo("Asia/Jakarta")
TABS = ("needs_review", "urgent", "overdue", "awaiting_verification", "with_agencies", "open")
FLAGS = ("urgent", "personal_data", "abusive", "low_confidence", "campaign")
# The reason shown for a complaint that needs review: the most serious flag's own reason first.
_FLAG_REASONS = (("urgent", "urgent:"), ("abusive", "abusive:"), ("personal_data", "personal data:"))

register({
    "queue.title": ("Antrean pengaduan", "Complaint queue"),
    "queue.tab.needs_review": ("Perlu ditinjau", "Needs review"),
    "queue.tab.urgent": ("Mendesak", "Urgent"),
    "queue.tab.overdue": ("Terlambat", "Overdue"),
    "queue.tab.awaiting_verification": ("Menunggu verifikasi", "Awaiting verification"),
    "queue.tab.with_agencies": ("Di instansi", "With agencies"),
    "queue.tab.open": ("Semua yang terbuka", "All open"),
    "queue.search": ("Cari teks atau nomor pelacakan", "Search text or tracking number"),
    "queue.filter": ("Saring", "Filter"),
    "queue.reset": ("Hapus saringan", "Clear filters"),
    "queue.any": ("Semua", "Any"),
    "queue.kind": ("Jenis", "Kind"),
    "queue.category": ("Kategori", "Category"),
    "queue.region": ("Kode wilayah", "Region code"),
    "queue.region_example": ("mis. 13.71", "e.g. 13.71"),
    "queue.agency": ("Instansi", "Agency"),
    "queue.status": ("Status", "Status"),
    "queue.flag": ("Tanda", "Flag"),
    "queue.number": ("Nomor", "Number"),
    "queue.deadline": ("Tenggat", "Deadline"),
    "queue.text": ("Isi", "Text"),
    "queue.empty": ("Tidak ada pengaduan yang cocok.", "No complaint matches."),
    "queue.total": ("{total} pengaduan", "{total} complaints"),
    "queue.page": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "queue.prev": ("‹ Sebelumnya", "‹ Previous"),
    "queue.next": ("Berikutnya ›", "Next ›"),
    "queue.pages": ("Halaman", "Pages"),
    "queue.overdue": ("terlambat", "overdue"),
    "queue.left_days": ("{n} hari kerja lagi", "{n} working days left"),
    "queue.left_hours": ("{n} jam lagi", "{n} hours left"),
    "queue.no_clock": ("—", "—"),
    "queue.keys.move": ("pindah baris", "move"),
    "queue.keys.open": ("buka", "open"),
    "queue.keys.search": ("cari", "search"),
    "officer.flag.urgent": ("mendesak", "urgent"),
    "officer.flag.personal_data": ("data pribadi", "personal data"),
    "officer.flag.abusive": ("kasar", "abusive"),
    "officer.flag.low_confidence": ("ragu", "low confidence"),
    "officer.flag.campaign": ("kampanye", "campaign"),
    "officer.status.awaiting_verification": ("Menunggu verifikasi", "Awaiting verification"),
    "officer.status.verified": ("Terverifikasi", "Verified"),
    "officer.status.forwarded": ("Diteruskan", "Forwarded"),
    "officer.status.in_progress": ("Sedang ditangani", "In progress"),
    "officer.status.responded": ("Ditanggapi", "Responded"),
    "officer.status.closed": ("Selesai", "Closed"),
    "officer.status.rejected": ("Ditolak", "Rejected"),
    "officer.status.archived": ("Diarsipkan", "Archived"),
    "officer.status.merged": ("Digabung", "Merged"),
})


# --- the queue -----------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueForm:
    """What the queue's URL asks for (unknown values are ignored, never an error page)."""

    tab: str = "open"
    kind: str = ""
    category: str = ""
    region: str = ""
    agency: str = ""
    status: str = ""
    flag: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> QueueForm:
        """Read the form from query arguments."""
        def pick(name: str, allowed: Any) -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else ""

        page = args.get("page", "1")
        return cls(tab=pick("tab", TABS) or "open", kind=pick("kind", RULE_KINDS),
                   category=pick("category", category_names()), region=_region_code(args.get("region", "")),
                   agency=(args.get("agency") or "").strip()[:64], status=pick("status", STATUSES),
                   flag=pick("flag", FLAGS), q=(args.get("q") or "").strip()[:200],
                   page=max(int(page), 1) if page.isdigit() and len(page) < 7 else 1)

    def filters(self) -> review.QueueFilters:
        """Return the review module's filters for this form."""
        tabs: dict[str, dict[str, Any]] = {
            "needs_review": {"needs_review": True}, "urgent": {"urgent": True}, "overdue": {"overdue": True},
            "awaiting_verification": {"status": "awaiting_verification"}, "with_agencies": _with_agencies()}
        tab = tabs.get(self.tab, {})
        if self.status:
            tab = {k: v for k, v in tab.items() if k not in ("status", "statuses")} | {"status": self.status}
        return review.QueueFilters(kind=self.kind or None, category=self.category or None, region=self.region or None,
                                   agency_id=self.agency or None, flag=self.flag or None, search=self.q or None, **tab)

    def url(self, **changes: Any) -> str:
        """Return the queue URL of this form with some values changed (a new filter goes to page 1)."""
        values = dataclasses.asdict(self) | {"page": 1} | changes
        return url_for("officer.queue", **{k: v for k, v in values.items()
                                          if v and not (k == "page" and v == 1) and not (k == "tab" and v == "open")})


def _with_agencies() -> dict[str, Any]:
    # QueueFilters takes one status; a `statuses` field, once the review module has it, matches the tab count exactly.
    if "statuses" in {f.name for f in dataclasses.fields(review.QueueFilters)}:
        return {"statuses": ("forwarded", "in_progress")}
    return {"status": "forwarded"}


def _region_code(value: str) -> str:
    code = value.strip()[:16]
    return code if code and all(part.isdigit() for part in code.split(".")) else ""


@dataclass(frozen=True)
class QueueLine:
    """One row of the queue as the page shows it."""

    item: review.QueueItem
    excerpt: str
    reason: str | None
    left: str


@bp.get("/queue")
@requires("officer")
def queue() -> str:
    """Show the review queue: tabs, filters, search and one page of complaints."""
    app = console()
    now = app.now()
    form = QueueForm.parse(request.args)
    try:
        page = review.review_queue(app.store, now, form.filters(), limit=PAGE_SIZE, offset=(form.page - 1) * PAGE_SIZE)
    except review.ReviewError:
        abort(400)
    needy = [i.complaint.first_tweet_id for i in page.items if i.complaint.needs_review]
    confidences = fetch_confidences(app.store, needy)
    lines = [QueueLine(item, _excerpt(item.complaint.text),
                       decisive_reason(item.flags, item.reasons, confidences.get(item.complaint.first_tweet_id))
                       if item.complaint.needs_review else None,
                       time_left(item.complaint.due_at, now, app.calendar)) for item in page.items]
    pages = max(math.ceil(page.total / PAGE_SIZE), 1)
    return render_template("queue.html", form=form, page=page, lines=lines, pages=pages, tabs=TABS,
                           page_links=page_links(form.page, pages), **_choices())


def decisive_reason(flags: tuple[str, ...], reasons: tuple[str, ...],
                    confidences: tuple[float, float] | None) -> str | None:
    """Return the triage reason that sent a complaint to review (the most serious flag first)."""
    for flag, prefix in _FLAG_REASONS:
        if flag in flags and (found := _first(reasons, prefix)):
            return found
    if "low_confidence" in flags:
        kind_low = confidences is None or confidences[0] < REVIEW_BELOW
        return _first(reasons, "decide: kind=" if kind_low else "decide: category=") or _first(reasons, "decide:")
    return None


def _first(reasons: tuple[str, ...], prefix: str) -> str | None:
    return next((r for r in reasons if r.startswith(prefix)), None)


def time_left(due_at: datetime | None, now: datetime, calendar: WorkCalendar) -> str:
    """Return the time to an SLA deadline in working days (hours when under one), or "" past it or without one."""
    if due_at is None or _utc(due_at) < now:
        return ""
    days = calendar.working_days_between(now, _utc(due_at))
    if days >= 1:
        return t("queue.left_days", n=math.floor(days + 1e-9))
    return t("queue.left_hours", n=max(math.ceil((_utc(due_at) - now).total_seconds() / 3600), 1))


def page_links(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Return the page numbers to link (None: a gap): the first, the last, and those around `current`."""
    shown = sorted({1, pages, *range(max(current - around, 1), min(current + around, pages) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- choices and formatting ----------------------------------------------------------------
@lru_cache(maxsize=1)
def kind_names() -> dict[str, dict[str, str]]:
    """Return each kind code's name per language (rules/kinds.csv)."""
    table = resources.files("ingest").joinpath("rules/kinds.csv").read_text(encoding="utf-8")
    return {row["code"]: {"id": row["name_id"], "en": row["name_en"]} for row in csv.DictReader(table.splitlines())}


def _choices() -> dict[str, Any]:
    lang = language()
    kinds = kind_names()
    return {
        "kinds": [(code, kinds.get(code, {}).get(lang, code)) for code in RULE_KINDS],
        "categories": sorted(((code, names[lang]) for code, names in category_names().items()), key=lambda c: c[1]),
        "agencies": sorted(((a.id, a.name) for a in console().routing.agencies), key=lambda a: a[1]),
        "statuses": STATUSES,
        "flags": FLAGS,
    }


def when(moment: datetime | None) -> str:
    """Return a moment in WIB as every console page writes it, "2 Des 2026 17.00 WIB" ("" for none)."""
    return public_when(moment) if moment else ""


def highlight_personal_data(text: str) -> Markup:
    """Return `text` escaped, with each personal-data span inside <mark class="pii">."""
    pieces: list[Markup] = []
    cursor = 0
    for span in find_personal_data(text):
        if span.start < cursor:
            continue
        pieces.append(escape(text[cursor:span.start]))
        pieces.append(Markup('<mark class="pii" title="{}">{}</mark>').format(span.kind, text[span.start:span.end]))
        cursor = span.end
    pieces.append(escape(text[cursor:]))
    return Markup("").join(pieces)


@bp.context_processor
def _helpers() -> dict[str, Callable[..., Any]]:
    return {"when": when, "pii": highlight_personal_data, "category_name": _category_name, "kind_name": _kind_name}


def _category_name(code: str) -> str:
    return category_names().get(code, {}).get(language(), code)


def _kind_name(code: str) -> str:
    return kind_names().get(code, {}).get(language(), code)


# --- one complaint -------------------------------------------------------------------------
register({
    "complaint.back": ("Kembali ke antrean", "Back to the queue"),
    "complaint.keys.verify": ("verifikasi", "verify"),
    "complaint.keys.forward": ("teruskan", "forward"),
    "complaint.keys.queue": ("antrean", "queue"),
    "complaint.region": ("Wilayah", "Region"),
    "complaint.region_code": ("Kode wilayah", "Region code"),
    "complaint.urgency": ("Urgensi", "Urgency"),
    "complaint.urgent_yes": ("Mendesak", "Urgent"),
    "complaint.urgent_no": ("Biasa", "Normal"),
    "complaint.created": ("Diterima", "Received"),
    "complaint.deadline": ("Tenggat SLA", "SLA deadline"),
    "complaint.stage.verify": ("verifikasi", "verify"),
    "complaint.stage.respond": ("tanggapan instansi", "agency response"),
    "complaint.stage.close": ("tutup otomatis", "automatic close"),
    "complaint.no_clock": ("tidak ada tenggat berjalan", "no clock running"),
    "complaint.counts": ("Sebutan / dukungan", "Mentions / supporters"),
    "complaint.counts_value": ("{mentions} sebutan, {supporters} dukungan", "{mentions} mentions, {supporters} supporters"),
    "complaint.rejected_because": ("Ditolak karena", "Rejected because"),
    "complaint.text": ("Isi pengaduan", "Complaint text"),
    "complaint.pii_note": ("Bagian bertanda berisi data pribadi: jangan disalin ke luar konsol.",
                           "Marked parts hold personal data: do not copy them out of the console."),
    "complaint.triage": ("Triase otomatis", "Automatic triage"),
    "complaint.kind_confidence": ("Keyakinan jenis", "Kind confidence"),
    "complaint.category_confidence": ("Keyakinan kategori", "Category confidence"),
    "complaint.mentions": ("Semua sebutan", "Every mention"),
    "complaint.link.new": ("baru", "new"),
    "complaint.link.thread": ("utas", "thread"),
    "complaint.link.repeat": ("pengulangan", "repeat"),
    "complaint.link.support": ("dukungan", "support"),
    "complaint.link.continuation": ("lanjutan", "continuation"),
    "complaint.link.campaign": ("kampanye", "campaign"),
    "complaint.link.related": ("terkait", "related"),
    "complaint.link.same_tweet": ("suntingan", "edit"),
    "complaint.cluster": ("Pengaduan terkait (klaster)", "Related complaints (cluster)"),
    "complaint.replies": ("Balasan (terkirim dan antre)", "Replies (sent and queued)"),
    "complaint.forwards": ("Penerusan ke instansi", "Forwards to agencies"),
    "complaint.responses": ("Tanggapan instansi", "Agency responses"),
    "complaint.audit": ("Riwayat audit", "Audit history"),
    "complaint.at": ("Waktu", "Time"),
    "complaint.purpose": ("Tujuan", "Purpose"),
    "complaint.channel": ("Saluran", "Channel"),
    "complaint.attempts": ("Percobaan", "Attempts"),
    "complaint.last_error": ("Galat terakhir", "Last error"),
    "complaint.note": ("Catatan", "Note"),
    "complaint.source": ("Sumber", "Source"),
    "complaint.internal": ("internal", "internal"),
    "complaint.actor": ("Oleh", "By"),
    "complaint.action": ("Tindakan", "Action"),
    "complaint.change": ("Perubahan", "Change"),
    "complaint.reason": ("Alasan", "Reason"),
    "complaint.none": ("Belum ada.", "None yet."),
    "complaint.actions": ("Tindakan", "Actions"),
    "complaint.verify": ("Verifikasi", "Verify"),
    "complaint.forward": ("Teruskan ke instansi", "Forward to the agency"),
    "complaint.mark_urgent": ("Tandai mendesak", "Mark urgent"),
    "complaint.unmark_urgent": ("Hapus tanda mendesak", "Unmark urgent"),
    "complaint.mark_pii": ("Tandai berisi data pribadi", "Mark as holding personal data"),
    "complaint.unmark_pii": ("Hapus tanda data pribadi", "Remove the personal-data mark"),
    "complaint.confirm_pii": ("Tandai pengaduan ini berisi data pribadi? Teksnya tidak akan diekspor atau dikutip.",
                              "Mark this complaint as holding personal data? Its text will not be exported or quoted."),
    "complaint.confirm_unmark_pii": ("Hapus tanda data pribadi? Teksnya bisa diekspor lagi.",
                                     "Remove the personal-data mark? Its text may be exported again."),
    "complaint.unmerge": ("Pisahkan (batal gabung)", "Unmerge"),
    "complaint.reclassify": ("Klasifikasi ulang", "Reclassify"),
    "complaint.agency_by_routing": ("(menurut tabel rute)", "(by the routing table)"),
    "complaint.reclassify_hint": ("Kategori atau wilayah baru mengubah instansi menurut tabel rute, kecuali instansi dipilih.",
                                  "A new category or region re-routes to its agency unless you choose one."),
    "complaint.reclassify_submit": ("Simpan klasifikasi", "Save classification"),
    "complaint.merge": ("Gabungkan", "Merge"),
    "complaint.merge_into": ("Gabungkan ke nomor pelacakan", "Merge into tracking number"),
    "complaint.merge_submit": ("Gabungkan", "Merge"),
    "complaint.confirm_merge": ("Gabungkan pengaduan ini ke nomor tersebut?", "Merge this complaint into that number?"),
    "complaint.reject": ("Tolak", "Reject"),
    "complaint.reject_reason": ("Alasan penolakan (dicatat di audit)", "Reason for rejecting (kept in the audit)"),
    "complaint.reject_submit": ("Tolak pengaduan", "Reject the complaint"),
    "complaint.confirm_reject": ("Tolak pengaduan ini?", "Reject this complaint?"),
})


@bp.get("/complaints/<tracking_number>")
@requires("officer")
def complaint(tracking_number: str) -> str:
    """Show one complaint with everything an officer needs to decide, and the actions."""
    app = console()
    now = app.now()
    try:
        view = review.complaint_view(app.store, tracking_number, actor=actor())
    except review.ComplaintNotFound:
        abort(404)
    first = next((m for m in view.mentions if m.tweet_id == view.complaint.first_tweet_id),
                 view.mentions[0] if view.mentions else None)
    clock = clock_of(view.complaint, app.settings.sla, app.calendar, now)
    return render_template("complaint.html", view=view, c=view.complaint, first=first, triage=_triage(first),
                           clock=clock, left=time_left(clock.deadline, now, app.calendar) if clock else "",
                           **_choices())


def _triage(first: MentionRow | None) -> dict[str, Any]:
    if first is None:
        return {"reasons": [], "kind_confidence": None, "category_confidence": None}
    return {"reasons": json.loads(first.reasons_json or "[]"), "kind_confidence": first.kind_confidence,
            "category_confidence": first.category_confidence}


# --- actions -------------------------------------------------------------------------------
register({
    "complaint.done.verify": ("{number} diverifikasi.", "{number} verified."),
    "complaint.done.reject": ("{number} ditolak.", "{number} rejected."),
    "complaint.done.urgent": ("Tanda mendesak {number} diubah.", "Urgency of {number} changed."),
    "complaint.done.personal_data": ("Tanda data pribadi {number} diubah.", "Personal-data mark of {number} changed."),
    "complaint.done.reclassify": ("{number} diklasifikasi ulang.", "{number} reclassified."),
    "complaint.done.forward": ("{number} dijadwalkan diteruskan lewat {channels}.",
                               "{number} queued for forwarding by {channels}."),
    "complaint.done.merge": ("{number} digabung ke {into}.", "{number} merged into {into}."),
    "complaint.done.unmerge": ("{number} dibuka kembali sendiri.", "{number} reopened on its own."),
    "complaint.failed": ("Tindakan tidak dapat dilakukan: {reason}", "The action cannot be taken: {reason}"),
    "complaint.no_change": ("tidak ada yang diubah", "nothing was changed"),
})


def _verify(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    review.verify(console().store, n, who, now, note=form.get("note", ""))
    return {}


def _reject(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    review.reject(console().store, n, who, now, reason=form.get("reason", ""))
    return {}


def _urgent(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    review.mark_urgent(console().store, n, who, now, urgent=form.get("urgent") == "1", note=form.get("note", ""))
    return {}


def _personal_data(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    review.mark_personal_data(console().store, n, who, now, note=form.get("note", ""), marked=form.get("marked") == "1")
    return {}


def _reclassify(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    app = console()
    current = app.store.complaint(n)
    assert current is not None
    changes = {name: form[name].strip() for name in review.RECLASSIFIABLE
               if form.get(name, "").strip() and form[name].strip() != (getattr(current, name) or "")}
    review.reclassify(app.store, n, who, now, changes=changes, routing=app.routing, note=form.get("note", ""))
    return {}


def _forward(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    app = console()
    channels = review.request_forward(app.store, n, who, now, app.routing, digest_hour=app.settings.digest_hour,
                                      note=form.get("note", ""))
    return {"channels": ", ".join(channels)}


def _merge(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    into = form.get("into", "").strip().upper()[:24]
    review.merge(console().store, n, into, who, now, note=form.get("note", ""))
    return {"into": into}


def _unmerge(n: str, form: Mapping[str, str], who: str, now: datetime) -> dict[str, str]:
    review.unmerge(console().store, n, who, now, note=form.get("note", ""))
    return {}


ACTIONS: dict[str, Callable[[str, Mapping[str, str], str, datetime], dict[str, str]]] = {
    "verify": _verify, "reject": _reject, "urgent": _urgent, "personal_data": _personal_data,
    "reclassify": _reclassify, "forward": _forward, "merge": _merge, "unmerge": _unmerge,
}


@bp.post("/complaints/<tracking_number>/<action>")
@requires("officer")
def act(tracking_number: str, action: str) -> Response:
    """Take one action on a complaint, then show the complaint again (Post/Redirect/Get)."""
    handler = ACTIONS.get(action)
    app = console()
    number = tracking_number.strip().upper()
    if handler is None or app.store.complaint(number) is None:
        abort(404)
    form = {key: value[:2000] for key, value in request.form.items()}
    try:
        values = handler(number, form, actor(), app.now())
    except review.ComplaintNotFound:
        abort(404)
    except review.ReviewError as exc:
        flash(t("complaint.failed", reason=str(exc)), "error")
    else:
        flash(t(f"complaint.done.{action}", number=number, **values), "ok")
    return redirect(url_for("officer.complaint", tracking_number=number), code=303)
