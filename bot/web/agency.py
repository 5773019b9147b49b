"""The agency pages: the inbox of complaints forwarded to the user's agency, and the response form.

An agency user sees only complaints forwarded to its own agency; anything else (another
agency's, one not forwarded yet, or no such number) answers the same 404, so numbers cannot be
probed. The text is shown with personal data masked (hidden whole when an officer marked it),
without the author's handle. A response goes through `ingest.store.review.record_response`,
which moves the complaint, writes the audit line and owes the citizen's follow-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlmodel import col, select
from werkzeug.wrappers import Response

from bot.web.app import actor, console, current_user, requires, t
from bot.web.public import masked_text, when
from bot.web.texts import register
from ingest.sla import SlaClock, clock_of
from ingest.store.models import ComplaintRow, ResponseRow
from ingest.store.review import RESPONSE_STATUSES, ComplaintNotFound, ReviewError, complaint_view, record_response

bp = Blueprint("agency", __name__)

PAGE_SIZE = 50
NOTE_MAX = 5000
# Inbox tabs: what the agency still has to do, what it answered, and what is over.
TABS = {"handle": ("forwarded", "in_progress"), "answered": ("responded",), "closed": ("closed", "archived")}
VISIBLE = tuple(status for statuses in TABS.values() for status in statuses)

register({
    "agency.title": ("Kotak masuk instansi", "Agency inbox"),
    "agency.tab.handle": ("Perlu ditangani", "To handle"),
    "agency.tab.answered": ("Sudah ditanggapi", "Answered"),
    "agency.tab.closed": ("Selesai", "Closed"),
    "agency.empty": ("Tidak ada laporan di sini.", "Nothing here."),
    "agency.col.number": ("Nomor", "Number"),
    "agency.col.category": ("Kategori", "Category"),
    "agency.col.region": ("Wilayah", "Region"),
    "agency.col.forwarded": ("Diteruskan", "Forwarded"),
    "agency.col.deadline": ("Batas waktu", "Deadline"),
    "agency.col.status": ("Status", "Status"),
    "agency.urgent": ("Mendesak", "Urgent"),
    "agency.overdue": ("Lewat {days}", "Overdue by {days}"),
    "agency.left": ("Sisa {days}", "{days} left"),
    "agency.closes": ("Tutup otomatis dalam {days}", "Closes automatically in {days}"),
    "agency.days": ("{n} hari kerja", "{n} working days"),
    "agency.day": ("1 hari kerja", "1 working day"),
    "agency.under_day": ("kurang dari 1 hari kerja", "less than 1 working day"),
    "agency.page": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "agency.prev": ("‹ Sebelumnya", "‹ Previous"),
    "agency.next": ("Berikutnya ›", "Next ›"),
    "agency.status.forwarded": ("Diteruskan", "Forwarded"),
    "agency.status.in_progress": ("Sedang ditangani", "In progress"),
    "agency.status.responded": ("Sudah ditanggapi", "Responded"),
    "agency.status.closed": ("Selesai", "Closed"),
    "agency.status.archived": ("Diarsipkan", "Archived"),
    "agency.status.not_ours": ("Bukan kewenangan kami", "Not ours"),
    "agency.back": ("‹ Kembali ke kotak masuk", "‹ Back to the inbox"),
    "agency.complaint": ("Laporan {number}", "Report {number}"),
    "agency.text": ("Isi laporan", "The report"),
    "agency.text_hidden": ("Isi laporan disembunyikan karena memuat data pribadi. Hubungi petugas LAPOR! bila "
                           "perlu rinciannya.",
                           "The text is hidden because it holds personal data. Ask a LAPOR! officer for details."),
    "agency.masked_note": ("Data pribadi (NIK, nomor telepon, e-mail…) disamarkan.",
                           "Personal data (ID numbers, phone numbers, e-mail…) is masked."),
    "agency.tweet": ("Lihat unggahan asli di X", "See the original post on X"),
    "agency.received": ("Diterima", "Received"),
    "agency.supporters": ("Dukungan warga", "Supporters"),
    "agency.responses": ("Tanggapan instansi Anda", "Your agency's responses"),
    "agency.no_responses": ("Belum ada tanggapan.", "No response yet."),
    "agency.public": ("publik", "public"),
    "agency.internal": ("internal", "internal"),
    "agency.respond": ("Kirim tanggapan", "Post a response"),
    "agency.new_status": ("Status baru", "New status"),
    "agency.note": ("Catatan tanggapan", "Response note"),
    "agency.note_help": ("Maksimal 5.000 karakter. Jangan tulis data pribadi pelapor.",
                         "At most 5,000 characters. Do not write the reporter's personal data."),
    "agency.make_public": ("Tampilkan catatan ini di halaman status untuk warga",
                           "Show this note on the citizen's status page"),
    "agency.submit": ("Kirim tanggapan", "Send the response"),
    "agency.confirm_not_ours": ("Kembalikan laporan ini ke petugas LAPOR!?", "Send this report back to LAPOR!?"),
    "agency.note_required": ("Catatan tanggapan wajib diisi (maksimal 5.000 karakter).",
                             "A response note is required (at most 5,000 characters)."),
    "agency.bad_status": ("Pilih status yang tersedia.", "Choose one of the statuses offered."),
    "agency.recorded": ("Tanggapan tercatat. Status laporan sekarang: {status}.",
                        "Response recorded. The report is now: {status}."),
    "agency.refused": ("Tanggapan tidak dapat dicatat: {message}", "The response could not be recorded: {message}"),
    "agency.returned": ("Laporan {number} dikembalikan ke petugas LAPOR!.", "Report {number} went back to LAPOR!."),
})


@dataclass(frozen=True)
class InboxLine:
    """One complaint of the inbox with its running clock (None when no clock runs)."""

    complaint: ComplaintRow
    clock: SlaClock | None


@dataclass(frozen=True)
class Inbox:
    """A page of an agency's inbox, with the count per tab."""

    lines: list[InboxLine]
    total: int
    counts: dict[str, int]


def agency_inbox(agency_id: str, tab: str, *, limit: int = PAGE_SIZE, offset: int = 0) -> Inbox:
    """Return one tab of an agency's inbox: urgent first, then the closest deadline."""
    statuses = TABS[tab]
    mine = (ComplaintRow.agency_id == agency_id, col(ComplaintRow.forwarded_at).is_not(None))
    order: tuple[Any, ...] = ((col(ComplaintRow.closed_at).desc(), col(ComplaintRow.id).desc()) if tab == "closed" else
                              (col(ComplaintRow.urgent).desc(), col(ComplaintRow.due_at).is_(None),
                               col(ComplaintRow.due_at), col(ComplaintRow.id)))

    def query(session: Any) -> tuple[list[ComplaintRow], dict[str, int]]:
        rows = list(session.exec(select(ComplaintRow).where(*mine, col(ComplaintRow.status).in_(statuses))
                                 .order_by(*order).offset(max(offset, 0)).limit(max(limit, 1))))
        per_status = dict(session.exec(select(ComplaintRow.status, func.count()).where(
            *mine, col(ComplaintRow.status).in_(VISIBLE)).group_by(ComplaintRow.status)).all())
        return rows, per_status

    rows, per_status = console().store.read(query)
    counts = {name: sum(per_status.get(s, 0) for s in members) for name, members in TABS.items()}
    app = console()
    now = app.now()
    lines = [InboxLine(row, clock_of(row, app.settings.sla, app.calendar, now)) for row in rows]
    return Inbox(lines, counts[tab], counts)


def visible_complaint(tracking_number: str, agency_actor: str) -> Any:
    """Return the ComplaintView of a complaint forwarded to the actor's agency; 404 for anything else."""
    try:
        view = complaint_view(console().store, tracking_number, actor=agency_actor)
    except ComplaintNotFound:
        abort(404)
    if view.complaint.status not in VISIBLE or view.complaint.forwarded_at is None:
        abort(404)
    return view


def own_responses(view: Any, agency_id: str | None) -> list[ResponseRow]:
    """Return the responses this agency gave on the complaint (not another agency's, before a re-route)."""
    return [r for r in view.responses if r.agency_id == agency_id]


def deadline_text(clock: SlaClock | None) -> str:
    """Return a clock as "Sisa 2 hari kerja", "Lewat 1 hari kerja"… in the page language."""
    if clock is None:
        return "–"
    days = _days(abs(clock.working_days_left))
    if clock.stage == "close":
        return t("agency.closes", days=days)
    return t("agency.overdue" if clock.overdue else "agency.left", days=days)


def _days(amount: float) -> str:
    whole = math.floor(amount + 1e-9)
    if whole < 1:
        return t("agency.under_day")
    return t("agency.day") if whole == 1 else t("agency.days", n=whole)


# --- pages -----------------------------------------------------------------------------------
@bp.get("/agency")
@requires("agency")
def inbox() -> str:
    """Show the agency's inbox, one tab at a time."""
    tab = request.args.get("tab", "handle")
    tab = tab if tab in TABS else "handle"
    page = _page_number()
    user = current_user()
    assert user is not None and user.agency_id is not None
    found = agency_inbox(user.agency_id, tab, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    return render_template("agency_inbox.html", inbox=found, tab=tab, tabs=TABS, page=page, pages=pages,
                           when=when, deadline_text=deadline_text, categories=_category_names())


@bp.route("/agency/complaints/<tracking_number>", methods=["GET", "POST"])
@requires("agency")
def complaint(tracking_number: str) -> Response | str | tuple[str, int]:
    """Show a forwarded complaint as the agency may see it, and take its response."""
    view = visible_complaint(tracking_number, actor())
    if request.method == "POST":
        return _respond(view.complaint)
    user = current_user()
    assert user is not None
    return render_template("agency_complaint.html", view=view, complaint=view.complaint,
                           text=masked_text(view.complaint), responses=own_responses(view, user.agency_id),
                           statuses=RESPONSE_STATUSES, clock=_clock(view.complaint), when=when,
                           deadline_text=deadline_text, categories=_category_names(), note_max=NOTE_MAX)


def _respond(complaint_row: ComplaintRow) -> Response:
    number = complaint_row.tracking_number
    here = url_for("agency.complaint", tracking_number=number)
    status = request.form.get("status", "")
    note = (request.form.get("note") or "").strip()
    if status not in RESPONSE_STATUSES:
        flash(t("agency.bad_status"), "error")
        return redirect(here)
    if not note or len(note) > NOTE_MAX:
        flash(t("agency.note_required"), "error")
        return redirect(here)
    app = console()
    try:
        outcome = record_response(app.store, number, status, note, actor(), app.now(), source="console",
                                  external_ref=None, public=request.form.get("public") == "on")
    except ComplaintNotFound:
        abort(404)
    except ReviewError as error:
        flash(t("agency.refused", message=str(error)), "error")
        return redirect(here)
    if status == "not_ours":
        flash(t("agency.returned", number=number), "ok")
        return redirect(url_for("agency.inbox"))
    flash(t("agency.recorded", status=t(f"agency.status.{outcome.complaint.status}")), "ok")
    return redirect(here)


def _clock(complaint_row: ComplaintRow) -> SlaClock | None:
    app = console()
    return clock_of(complaint_row, app.settings.sla, app.calendar, app.now())


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        return 1


def _category_names() -> dict[str, str]:
    from bot.web.app import language
    from replies.compose import category_names

    lang = language()
    return {code: names[lang] for code, names in category_names().items()}

