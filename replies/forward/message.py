"""Build what an agency receives: e-mails (one complaint, a daily digest, an SLA breach) and webhook JSON.

Pure: the clock comes in as `now`, nothing is sent. Agencies read these texts, so they are in
Bahasa Indonesia and all of them live in the constants below. Times are shown in WIB
(Asia/Jakarta); a naive datetime (as SQLite gives back) is taken to be UTC. The complaint
text arrives already masked and is passed on exactly as given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from ingest.tracking import WIB
from replies.forward.types import ForwardItem

SCHEMA = "lapor.forward.v1"
TRACKING_HEADER = "X-Lapor-Tracking"
STAGES = ("verify", "respond")
# GeoReport v2 caps a service request's description at 4,000 characters (POST Service Request).
OPEN311_DESCRIPTION_LIMIT = 4000
DIGEST_EXCERPT_CHARS = 200
_FALLBACK_DOMAIN = "lapor-bot.local"
_EVENT = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")  # fmt: skip
KINDS = {"pengaduan": "Pengaduan", "aspirasi": "Aspirasi", "permintaan_informasi": "Permintaan Informasi"}
URGENT_SUFFIX = " (mendesak)"
URGENCY = {True: "MENDESAK (menyangkut keselamatan atau keadaan darurat)", False: "biasa"}
UNKNOWN_REGION = "belum diketahui"
RULE = "-" * 60

FORWARD_SUBJECT = "[LAPOR!] {tracking_number} – {category}{region}{urgent}"
FORWARD_INTRO = (
    "Yth. {agency},\n\n"
    "Berikut {kind} warga yang disampaikan lewat X (Twitter) dan diteruskan oleh SP4N-LAPOR! "
    "kepada instansi Anda untuk ditindaklanjuti."
)
FIELDS = (
    ("Nomor pelacakan", "{tracking_number}"),
    ("Kategori", "{category}"),
    ("Wilayah", "{region}"),
    ("Jenis", "{kind}"),
    ("Tanggal masuk", "{created}"),
    ("Diverifikasi", "{verified}"),
    ("Tingkat urgensi", "{urgency}"),
    ("Dukungan warga", "{supporters} akun mendukung, disebut dalam {mentions} twit"),
    ("Penanda", "{flags}"),
)
TEXT_HEADING = "Isi laporan (data pribadi sudah disamarkan):"
TWEETS_HEADING = "Twit terkait:"
STATUS_LINE = "Status publik: {url}"
RESPOND_HEADING = "Cara menanggapi"
RESPOND_WAYS = (
    "- Balas e-mail ini untuk menghubungi petugas LAPOR!; atau",
    "- kirim pembaruan status lewat webhook LAPOR! yang ditandatangani (header X-Lapor-Signature).",
    "Sertakan selalu nomor pelacakan {tracking_number} dalam tanggapan Anda.",
)
SIGNATURE = "-- \nPesan ini dikirim otomatis oleh bot SP4N-LAPOR!. Mohon jangan meneruskannya kepada pihak lain."

DIGEST_SUBJECT = "[LAPOR!] Ringkasan harian {day} – {count} pengaduan untuk {agency}"
DIGEST_INTRO = (
    "Yth. {agency},\n\nRingkasan harian SP4N-LAPOR! tanggal {day}: {count} pengaduan diteruskan kepada instansi Anda."
)
DIGEST_ENTRY = (
    '{number}. {tracking_number} – {category} – {region}{urgent}\n   Masuk: {created}\n   "{excerpt}"\n   Status: {url}'
)
SAME_HINT_FOR_ALL = "Untuk setiap pengaduan, sertakan nomor pelacakannya dalam tanggapan Anda."

BREACH_SUBJECT = {
    "verify": "[LAPOR!] Lewat batas waktu – {tracking_number} belum diverifikasi",
    "respond": "[LAPOR!] Lewat batas waktu – {tracking_number} belum ditindaklanjuti {agency}",
}
BREACH_GREETING = {"verify": "Yth. Petugas LAPOR!,", "respond": "Yth. {agency},"}
BREACH_STATEMENT = {
    "verify": "Pengaduan {tracking_number} belum diverifikasi dalam batas waktu layanan.",
    "respond": "Pengaduan {tracking_number} yang diteruskan kepada {agency} belum ditindaklanjuti dalam batas waktu layanan.",
}
BREACH_DEADLINE = "Batas waktu: {deadline} (terlewati {late})."

OPEN311_FOOTER = (
    "Nomor LAPOR!: {tracking_number}\nKategori: {category}\nWilayah: {region}\nMasuk: {created}\nStatus publik: {url}"
)


def forward_email(item: ForwardItem, sender: str, to: str, now: datetime) -> EmailMessage:
    """Return the plain-text e-mail that hands one complaint to its agency."""
    subject = FORWARD_SUBJECT.format(
        tracking_number=item.tracking_number,
        category=item.category_name,
        region=f" – {item.region_name}" if item.region_name else "",
        urgent=URGENT_SUFFIX if item.urgent else "",
    )
    kind = KINDS.get(item.kind, item.kind).lower()
    body = _paragraphs(
        FORWARD_INTRO.format(agency=item.agency_name, kind=kind),
        _details(item),
        f"{TEXT_HEADING}\n{RULE}\n{item.text}\n{RULE}",
        _tweets(item),
        STATUS_LINE.format(url=item.status_url),
        _respond_section((item.respond_hint,), item.tracking_number),
        SIGNATURE,
    )
    message = _message(subject, body, sender, to, now, idstring=item.tracking_number)
    message[TRACKING_HEADER] = item.tracking_number
    return message


def digest_email(
    items: Sequence[ForwardItem], agency_name: str, sender: str, to: str, day: date, now: datetime
) -> EmailMessage:
    """Return one e-mail listing several complaints for an agency, numbered."""
    if not items:
        raise ValueError("a digest needs at least one complaint")
    day_text = long_date(day)
    count = len(items)
    entries = "\n\n".join(_digest_entry(number, item) for number, item in enumerate(items, start=1))
    body = _paragraphs(
        DIGEST_INTRO.format(agency=agency_name, day=day_text, count=count),
        entries,
        _respond_section(tuple(item.respond_hint for item in items), None),
        SIGNATURE,
    )
    subject = DIGEST_SUBJECT.format(day=day_text, count=count, agency=agency_name)
    message = _message(subject, body, sender, to, now, idstring=f"digest-{day.isoformat()}")
    message["X-Lapor-Digest"] = day.isoformat()
    return message


def breach_email(
    item: ForwardItem, stage: str, deadline: datetime, sender: str, to: str, now: datetime
) -> EmailMessage:
    """Return the notice that a complaint passed its `stage` deadline ("verify" or "respond")."""
    if stage not in STAGES:
        raise ValueError(f"unknown SLA stage {stage!r}; expected one of {', '.join(STAGES)}")
    names = {"tracking_number": item.tracking_number, "agency": item.agency_name}
    late = BREACH_DEADLINE.format(deadline=long_datetime(deadline), late=duration(_utc(now) - _utc(deadline)))
    hints = (item.respond_hint,) if stage == "respond" else None
    body = _paragraphs(
        BREACH_GREETING[stage].format(**names),
        f"{BREACH_STATEMENT[stage].format(**names)}\n{late}",
        _details(item),
        f"{TEXT_HEADING}\n{_excerpt(item.text)}",
        STATUS_LINE.format(url=item.status_url),
        _respond_section(hints, item.tracking_number) if hints is not None else "",
        SIGNATURE,
    )
    message = _message(BREACH_SUBJECT[stage].format(**names), body, sender, to, now, f"breach-{item.tracking_number}")
    message[TRACKING_HEADER] = item.tracking_number
    message["X-Lapor-Breach"] = stage
    return message


def webhook_payload(item: ForwardItem, event: str, delivery_id: str, now: datetime) -> dict[str, Any]:
    """Return the `lapor.forward.v1` JSON payload for `event` about one complaint."""
    if not _EVENT.match(event):
        raise ValueError(f"event {event!r} must look like 'complaint.forwarded'")
    if not delivery_id:
        raise ValueError("a webhook delivery needs a delivery_id")
    return {"schema": SCHEMA, "event": event, "delivery_id": delivery_id, "sent_at": iso_utc(now),
            "complaint": _complaint(item)}  # fmt: skip


def webhook_body(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes to send and sign: compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def open311_description(item: ForwardItem) -> str:
    """Return a GeoReport `description`: the complaint text, then our number and links, within 4,000 chars."""
    footer = OPEN311_FOOTER.format(
        tracking_number=item.tracking_number,
        category=item.category_name,
        region=item.region_name or UNKNOWN_REGION,
        created=long_datetime(item.created_at),
        url=item.status_url,
    )
    room = OPEN311_DESCRIPTION_LIMIT - len(footer) - 2
    text = item.text if len(item.text) <= room else item.text[: max(room - 1, 0)] + "…"
    return f"{text}\n\n{footer}"


def iso_utc(moment: datetime) -> str:
    """Return `moment` as ISO 8601 in UTC with a Z, to the second."""
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def long_date(day: date) -> str:
    """Return a date as Indonesians write it: 28 November 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_datetime(moment: datetime) -> str:
    """Return a moment in WIB: 28 November 2026 pukul 08.00 WIB."""
    local = _utc(moment).astimezone(WIB)
    return f"{long_date(local.date())} pukul {local:%H.%M} WIB"


def duration(span: timedelta) -> str:
    """Return a span in Indonesian words: 2 hari 3 jam, 45 menit; never negative."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} hari" if days else "", f"{hours} jam" if hours else ""]
    parts.append(f"{minutes} menit" if minutes and not days else "")
    return " ".join(part for part in parts if part) or "kurang dari 1 menit"


def _complaint(item: ForwardItem) -> dict[str, Any]:
    return {
        "tracking_number": item.tracking_number,
        "status": item.status,
        "kind": item.kind,
        "category": item.category,
        "category_name": item.category_name,
        "region_code": item.region_code,
        "region_name": item.region_name,
        "language": item.language,
        "text": item.text,
        "created_at": iso_utc(item.created_at),
        "verified_at": iso_utc(item.verified_at) if item.verified_at else None,
        "urgent": item.urgent,
        "supporters": item.supporters,
        "mentions": item.mentions,
        "tweet_urls": list(item.tweet_urls),
        "status_url": item.status_url,
        "flags": list(item.flags),
    }


def _details(item: ForwardItem) -> str:
    values = {
        "tracking_number": item.tracking_number,
        "category": item.category_name,
        "region": _region(item),
        "kind": KINDS.get(item.kind, item.kind),
        "created": long_datetime(item.created_at),
        "verified": long_datetime(item.verified_at) if item.verified_at else "belum",
        "urgency": URGENCY[item.urgent],
        "supporters": item.supporters,
        "mentions": item.mentions,
        "flags": ", ".join(item.flags) or "-",
    }
    width = max(len(label) for label, _ in FIELDS)
    return "\n".join(f"{label.ljust(width)} : {value.format(**values)}" for label, value in FIELDS)


def _region(item: ForwardItem) -> str:
    if not item.region_name:
        return UNKNOWN_REGION
    return f"{item.region_name} ({item.region_code})" if item.region_code else item.region_name


def _tweets(item: ForwardItem) -> str:
    return "\n".join((TWEETS_HEADING, *(f"- {url}" for url in item.tweet_urls))) if item.tweet_urls else ""


def _respond_section(hints: Sequence[str], tracking_number: str | None) -> str:
    unique = [hint.strip() for hint in dict.fromkeys(hints) if hint.strip()]
    closing = RESPOND_WAYS[-1].format(tracking_number=tracking_number) if tracking_number else SAME_HINT_FOR_ALL
    lines = (RESPOND_HEADING, "-" * len(RESPOND_HEADING), *unique, *RESPOND_WAYS[:-1], closing)
    return "\n".join(lines)


def _digest_entry(number: int, item: ForwardItem) -> str:
    return DIGEST_ENTRY.format(
        number=number,
        tracking_number=item.tracking_number,
        category=item.category_name,
        region=item.region_name or UNKNOWN_REGION,
        urgent=URGENT_SUFFIX.upper() if item.urgent else "",
        created=long_datetime(item.created_at),
        excerpt=_excerpt(item.text),
        url=item.status_url,
    )


def _excerpt(text: str, limit: int = DIGEST_EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"


def _message(subject: str, body: str, sender: str, to: str, now: datetime, idstring: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = _one_line(sender)
    message["To"] = _one_line(to)
    message["Date"] = format_datetime(_utc(now))
    message["Message-ID"] = make_msgid(idstring=idstring, domain=_domain(sender))
    # Quoted-printable keeps the body 7-bit, so a server without 8BITMIME still relays it intact.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _domain(sender: str) -> str:
    """Return the sender address's domain, so Message-IDs do not depend on this machine's hostname."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else _FALLBACK_DOMAIN


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
