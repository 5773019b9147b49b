"""Tests of the e-mails and webhook payloads an agency receives (pure)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from replies.forward.message import (
    OPEN311_DESCRIPTION_LIMIT,
    breach_email,
    digest_email,
    duration,
    forward_email,
    open311_description,
    webhook_body,
    webhook_payload,
)
from tests.forward.helpers import MASKED_TEXT, NOW, forward_item

SENDER = "LAPOR! bot <bot@lapor.example.go.id>"
TO = "pengaduan@pupr.padang.go.id"


def test_forward_subject_names_number_category_region_and_urgency():
    message = forward_email(forward_item(), SENDER, TO, NOW)
    assert message["Subject"] == "[LAPOR!] LPR-2611-00012 – Infrastruktur dan Pekerjaan Umum – Kota Padang (mendesak)"


def test_forward_subject_without_region_or_urgency():
    message = forward_email(forward_item(region_name=None, region_code=None, urgent=False), SENDER, TO, NOW)
    assert message["Subject"] == "[LAPOR!] LPR-2611-00012 – Infrastruktur dan Pekerjaan Umum"


def test_forward_headers():
    message = forward_email(forward_item(), SENDER, TO, NOW)
    assert message["From"] == SENDER
    assert message["To"] == TO
    assert message["Date"] == "Sat, 28 Nov 2026 02:00:00 +0000"
    assert message["X-Lapor-Tracking"] == "LPR-2611-00012"
    assert message["Message-ID"].endswith("@lapor.example.go.id>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"


def test_message_ids_differ_between_messages():
    first, second = (forward_email(forward_item(), SENDER, TO, NOW)["Message-ID"] for _ in range(2))
    assert first != second


def test_forward_body_carries_every_detail_in_indonesian():
    body = forward_email(forward_item(), SENDER, TO, NOW).get_content()
    for expected in (
        "Yth. Dinas PUPR Kota Padang,",
        "Nomor pelacakan : LPR-2611-00012",
        "Kategori        : Infrastruktur dan Pekerjaan Umum",
        "Wilayah         : Kota Padang (1371)",
        "Jenis           : Pengaduan",
        "Tanggal masuk   : 28 November 2026 pukul 07.40 WIB",
        "Diverifikasi    : 28 November 2026 pukul 08.05 WIB",
        "Tingkat urgensi : MENDESAK",
        "Dukungan warga  : 3 akun mendukung, disebut dalam 5 twit",
        "- https://x.com/warga1/status/1861000000000000001",
        "- https://x.com/warga2/status/1861000000000000002",
        "Status publik: https://lapor.example.go.id/status/LPR-2611-00012",
    ):
        assert expected in body


def test_forward_body_keeps_the_masked_text_exactly():
    text = MASKED_TEXT + "\nBaris kedua: {tracking_number} %s"
    assert f"\n{text}\n" in forward_email(forward_item(text=text), SENDER, TO, NOW).get_content()


def test_forward_body_tells_how_to_respond():
    body = forward_email(forward_item(), SENDER, TO, NOW).get_content()
    section = body[body.index("Cara menanggapi") :]
    assert "Tanggapi lewat dasbor instansi: menu Tindak Lanjut" in section
    assert "Balas e-mail ini" in section
    assert "webhook" in section
    assert "LPR-2611-00012" in section


def test_forward_body_without_optional_parts():
    item = forward_item(region_name=None, region_code=None, verified_at=None, tweet_urls=(), respond_hint="", flags=())
    body = forward_email(item, SENDER, TO, NOW).get_content()
    assert "Wilayah         : belum diketahui" in body
    assert "Diverifikasi    : belum" in body
    assert "Twit terkait" not in body
    assert "Cara menanggapi" in body


def test_naive_datetimes_are_taken_as_utc():
    item = forward_item(created_at=datetime(2026, 11, 28, 17, 30))
    assert (
        "29 November 2026 pukul 00.30 WIB" in forward_email(item, SENDER, TO, datetime(2026, 11, 28, 18)).get_content()
    )


def test_line_breaks_in_header_values_cannot_add_headers():
    message = forward_email(
        forward_item(category_name="Infra\r\nBcc: x@evil.test"), SENDER, "a@b.test\nBcc: y@evil.test", NOW
    )
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\n" not in message["To"]


def test_digest_lists_every_item_numbered():
    items = [
        forward_item(tracking_number=f"LPR-2611-0001{n}", status_url=f"https://lapor.example.go.id/status/{n}")
        for n in range(3)
    ]
    message = digest_email(items, "Dinas PUPR Kota Padang", SENDER, TO, date(2026, 11, 28), NOW)
    body = message.get_content()
    assert message["Subject"] == "[LAPOR!] Ringkasan harian 28 November 2026 – 3 pengaduan untuk Dinas PUPR Kota Padang"
    for n, item in enumerate(items):
        assert f"{n + 1}. {item.tracking_number} – Infrastruktur dan Pekerjaan Umum – Kota Padang (MENDESAK)" in body
        assert f"Status: {item.status_url}" in body
    assert body.count("Masuk: 28 November 2026 pukul 07.40 WIB") == 3
    assert body.count("Tanggapi lewat dasbor instansi") == 1  # the same hint is given once


def test_digest_shortens_long_texts():
    body = digest_email([forward_item(text="kata " * 100)], "Dinas", SENDER, TO, date(2026, 11, 28), NOW).get_content()
    line = next(line for line in body.splitlines() if line.strip().startswith('"kata'))
    assert line.endswith('…"') and len(line) < 220


def test_an_empty_digest_is_refused():
    with pytest.raises(ValueError):
        digest_email([], "Dinas", SENDER, TO, date(2026, 11, 28), NOW)


def test_breach_notice_for_verification_goes_to_officers():
    deadline = NOW - timedelta(hours=5)
    message = breach_email(forward_item(), "verify", deadline, SENDER, TO, NOW)
    body = message.get_content()
    assert message["Subject"] == "[LAPOR!] Lewat batas waktu – LPR-2611-00012 belum diverifikasi"
    assert message["X-Lapor-Tracking"] == "LPR-2611-00012"
    assert "Yth. Petugas LAPOR!," in body
    assert "belum diverifikasi dalam batas waktu" in body
    assert "Batas waktu: 28 November 2026 pukul 04.00 WIB (terlewati 5 jam)." in body
    assert "Cara menanggapi" not in body


def test_breach_notice_for_response_goes_to_the_agency():
    deadline = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    message = breach_email(forward_item(), "respond", deadline, SENDER, TO, NOW)
    body = message.get_content()
    assert (
        message["Subject"] == "[LAPOR!] Lewat batas waktu – LPR-2611-00012 belum ditindaklanjuti Dinas PUPR Kota Padang"
    )
    assert "Yth. Dinas PUPR Kota Padang," in body
    assert "Batas waktu: 26 November 2026 pukul 00.00 WIB (terlewati 2 hari 9 jam)." in body
    assert "Cara menanggapi" in body


def test_breach_notice_refuses_an_unknown_stage():
    with pytest.raises(ValueError, match="stage"):
        breach_email(forward_item(), "close", NOW, SENDER, TO, NOW)


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=20), "kurang dari 1 menit"),
        (timedelta(minutes=45), "45 menit"),
        (timedelta(hours=1, minutes=5), "1 jam 5 menit"),
        (timedelta(days=3), "3 hari"),
        (timedelta(days=1, hours=2, minutes=30), "1 hari 2 jam"),
        (timedelta(hours=-3), "kurang dari 1 menit"),
    ],
)
def test_duration_in_words(span, words):
    assert duration(span) == words


def test_webhook_payload_matches_the_documented_schema():
    payload = webhook_payload(forward_item(), "complaint.forwarded", "dlv-42", NOW)
    assert payload == {
        "schema": "lapor.forward.v1",
        "event": "complaint.forwarded",
        "delivery_id": "dlv-42",
        "sent_at": "2026-11-28T02:00:00Z",
        "complaint": {
            "tracking_number": "LPR-2611-00012",
            "status": "verified",
            "kind": "pengaduan",
            "category": "infrastruktur",
            "category_name": "Infrastruktur dan Pekerjaan Umum",
            "region_code": "1371",
            "region_name": "Kota Padang",
            "language": "id",
            "text": MASKED_TEXT,
            "created_at": "2026-11-28T00:40:00Z",
            "verified_at": "2026-11-28T01:05:00Z",
            "urgent": True,
            "supporters": 3,
            "mentions": 5,
            "tweet_urls": [
                "https://x.com/warga1/status/1861000000000000001",
                "https://x.com/warga2/status/1861000000000000002",
            ],
            "status_url": "https://lapor.example.go.id/status/LPR-2611-00012",
            "flags": ["personal_data"],
        },
    }


def test_webhook_payload_converts_times_to_utc_and_keeps_nulls():
    item = forward_item(created_at=datetime(2026, 11, 28, 7, 40, tzinfo=timezone(timedelta(hours=7))), verified_at=None)
    complaint = webhook_payload(item, "sla.breached", "d", NOW)["complaint"]
    assert complaint["created_at"] == "2026-11-28T00:40:00Z"
    assert complaint["verified_at"] is None


@pytest.mark.parametrize("event", ["", "forwarded", "Complaint.Forwarded", "complaint.", "complaint forwarded"])
def test_webhook_payload_refuses_a_malformed_event(event):
    with pytest.raises(ValueError):
        webhook_payload(forward_item(), event, "d", NOW)


def test_webhook_body_is_compact_sorted_utf8_json():
    payload = webhook_payload(forward_item(), "complaint.forwarded", "dlv-42", NOW)
    body = webhook_body(payload)
    assert json.loads(body) == payload
    assert body.startswith(b'{"complaint":{"category":"infrastruktur",')
    assert b", " not in body.replace(MASKED_TEXT.encode(), b"") and b": " not in body
    assert "– sudah dua bulan! ".encode() in body and "🙏".encode() in body
    assert webhook_body(dict(reversed(payload.items()))) == body


def test_open311_description_has_text_number_and_link():
    description = open311_description(forward_item())
    assert description.startswith(MASKED_TEXT)
    assert "Nomor LAPOR!: LPR-2611-00012" in description
    assert "Status publik: https://lapor.example.go.id/status/LPR-2611-00012" in description


def test_open311_description_fits_the_georeport_limit():
    description = open311_description(forward_item(text="x" * 10_000))
    assert len(description) == OPEN311_DESCRIPTION_LIMIT
    assert "Nomor LAPOR!: LPR-2611-00012" in description
