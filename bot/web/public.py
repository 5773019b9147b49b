"""The citizen's status page (/status/<tracking_number>): public, light, no JavaScript, no personal data.

It is the page the follow-up replies link to (LAPOR_FOLLOWUP_URL). It shows the status in plain
words, the category, the agency, the dates in WIB and the agency's *public* responses; never
the complaint's text, its author, its tweets, or anything the personal-data detector finds.
The helpers here (masking, WIB dates) serve every page shown outside the officers' desk.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, render_template
from sqlmodel import col, select

from bot.web.app import console, language, t
from bot.web.texts import register
from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.tracking import is_tracking_number
from ingest.store.models import ComplaintRow, ResponseRow
from ingest.workdays import WIB
from replies.compose import category_names

bp = Blueprint("public", __name__)

# LPR-YYMM-NNNNN (ingest.tracking); a month past 99,999 complaints would write six digits.
# The @handles a post starts with (who it replies to), then any other @handle in it.
_LEADING_HANDLES = re.compile(r"^(?:\s*@\w{1,15})+\s*")
_HANDLE = re.compile(r"(?<![\w@])@\w{1,15}")
_MONTHS = {
    "id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}
# The dates a citizen sees, in the order a complaint reaches them.
STAGES = ("created_at", "verified_at", "forwarded_at", "responded_at", "closed_at")

register({
    "status.title": ("Status laporan {number}", "Status of report {number}"),
    "status.heading": ("Status laporan", "Report status"),
    "status.number": ("Nomor pelacakan", "Tracking number"),
    "status.now": ("Status saat ini", "Current status"),
    "status.category": ("Kategori", "Category"),
    "status.agency": ("Instansi yang menangani", "Agency in charge"),
    "status.no_agency": ("Belum ditentukan", "Not decided yet"),
    "status.dates": ("Perjalanan laporan", "Timeline"),
    "status.created_at": ("Diterima", "Received"),
    "status.verified_at": ("Diverifikasi", "Verified"),
    "status.forwarded_at": ("Diteruskan ke instansi", "Forwarded to the agency"),
    "status.responded_at": ("Ditanggapi instansi", "Answered by the agency"),
    "status.closed_at": ("Selesai", "Closed"),
    "status.responses": ("Tanggapan instansi", "The agency's response"),
    "status.no_responses": ("Belum ada tanggapan yang dipublikasikan.", "No response has been published yet."),
    "status.privacy": ("Halaman ini tidak menampilkan isi laporan maupun data pribadi pelapor.",
                       "This page never shows the report's text or the reporter's personal data."),
    "status.footer": ("Layanan Aspirasi dan Pengaduan Online Rakyat (SP4N-LAPOR!)",
                      "The national public complaints service (SP4N-LAPOR!)"),
    "status.missing_title": ("Laporan tidak ditemukan", "Report not found"),
    "status.missing": ("Tidak ada laporan dengan nomor {number}. Periksa kembali nomor pelacakan pada balasan kami "
                       "(contoh: LPR-2611-00042).",
                       "There is no report numbered {number}. Check the tracking number in our reply "
                       "(for example LPR-2611-00042)."),
    "status.state.awaiting_verification": ("Laporan Anda sudah kami terima dan sedang diperiksa petugas.",
                                           "We have received your report; an officer is checking it."),
    "status.state.verified": ("Laporan Anda sudah diverifikasi dan akan diteruskan ke instansi yang berwenang.",
                              "Your report is verified and will be forwarded to the agency in charge."),
    "status.state.forwarded": ("Laporan Anda sudah diteruskan ke instansi dan menunggu tindak lanjut.",
                               "Your report was forwarded to the agency and awaits its action."),
    "status.state.in_progress": ("Instansi sedang menindaklanjuti laporan Anda.",
                                 "The agency is working on your report."),
    "status.state.responded": ("Instansi sudah menanggapi laporan Anda.", "The agency has answered your report."),
    "status.state.closed": ("Laporan Anda sudah selesai ditangani.", "Your report is closed."),
    "status.state.rejected": ("Laporan ini tidak dapat diproses lebih lanjut oleh LAPOR!.",
                              "LAPOR! cannot take this report further."),
    "status.state.archived": ("Laporan ini sudah diarsipkan.", "This report is archived."),
    "status.state.merged": ("Laporan ini digabungkan dengan laporan lain tentang masalah yang sama.",
                            "This report was merged with another report on the same problem."),
})


@bp.get("/status/<path:tracking_number>")
def status(tracking_number: str) -> tuple[str, int]:
    """Show a complaint's public status, or a page saying there is no such report."""
    number = normalise_number(tracking_number)
    found = _public_view(number) if number else None
    if found is None:
        shown = (number or tracking_number.strip())[:40]
        return render_template("status.html", complaint=None, number=shown, when=when), 404
    complaint, responses = found
    names = category_names().get(complaint.category) or category_names()["lainnya"]
    stages = [(stage, getattr(complaint, stage)) for stage in STAGES if getattr(complaint, stage)]
    return render_template("status.html", complaint=complaint, number=number, category=names[language()],
                           stages=stages, responses=responses, public_note=public_note, when=when), 200


def normalise_number(raw: str) -> str | None:
    """Return the tracking number upper-cased and trimmed, or None when it is not shaped like one."""
    number = raw.strip().upper()
    return number if is_tracking_number(number) else None


def _public_view(number: str) -> tuple[ComplaintRow, list[ResponseRow]] | None:
    def query(session: Any) -> tuple[ComplaintRow, list[ResponseRow]] | None:
        complaint = session.exec(select(ComplaintRow).where(ComplaintRow.tracking_number == number)).first()
        if complaint is None:
            return None
        responses = list(session.exec(select(ResponseRow).where(
            ResponseRow.complaint_id == complaint.id, ResponseRow.public == True,  # noqa: E712 - SQL
        ).order_by(col(ResponseRow.id))))
        return complaint, [r for r in responses if r.note.strip()]

    return console().store.read(query)


# --- what may be shown outside the officers' desk -------------------------------------------
def masked_text(complaint: ComplaintRow) -> str:
    """Return a complaint's text with personal data and @handles masked; nothing when an officer marked it."""
    if complaint.personal_data_marked:
        return ""
    return public_note(complaint.text)


def public_note(text: str) -> str:
    """Return `text` with personal data masked ("[NIK]", "[TELEPON]"…) and @handles hidden."""
    spans = find_personal_data(text)
    masked = mask_personal_data(text, spans) if spans else text
    return _HANDLE.sub("@[AKUN]", _LEADING_HANDLES.sub("", masked)).strip()


def aware(moment: datetime) -> datetime:
    """Return `moment` with a timezone (the store keeps UTC; SQLite forgets the zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def when(moment: datetime | None, *, with_time: bool = True) -> str:
    """Return a moment as "28 Nov 2026 08.00 WIB" (months in the page language)."""
    if moment is None:
        return "–"
    local = aware(moment).astimezone(WIB)
    day = f"{local.day} {_MONTHS[language()][local.month - 1]} {local.year}"
    return f"{day} {local:%H.%M} WIB" if with_time else day


def status_name(status: str) -> str:
    """Return the plain-words status of a complaint for the citizen."""
    return t(f"status.state.{status}")
