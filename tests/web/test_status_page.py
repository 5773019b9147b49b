"""The citizen's status page: public, plain words, the agency's public notes only, never personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ingest.store.models import ResponseRow
from tests.web.agency_helpers import NIK, PHONE, add_complaint, app_for, forwarded, number


@pytest.fixture
def client(store, clock):
    return app_for(store, clock).test_client()


def add_response(store, complaint, note, public, status="in_progress"):
    with store.session() as session:
        session.add(ResponseRow(complaint_id=complaint.id, agency_id=complaint.agency_id, status=status, note=note,
                                public=public, source="console", actor="agency:dpupr-sumbar/pupr",
                                at=complaint.forwarded_at + timedelta(hours=3)))


def test_shows_status_category_agency_and_dates_without_signing_in(store, client):
    forwarded(store, 1, status="responded", responded_at=forwarded(store, 2).forwarded_at + timedelta(hours=5))
    answer = client.get(f"/status/{number(1)}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Instansi sudah menanggapi laporan Anda." in page
    assert "Infrastruktur dan Pekerjaan Umum" in page
    assert "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Sumatera Barat" in page
    for label in ("Diterima", "Diverifikasi", "Diteruskan ke instansi", "Ditanggapi instansi"):
        assert label in page
    assert "26 Nov 2026" in page and "WIB" in page
    assert "<script" not in page


def test_english_on_request(store, client):
    forwarded(store, 1)
    page = client.get(f"/status/{number(1)}?lang=en").get_data(as_text=True)
    assert "Your report was forwarded to the agency" in page and "Infrastructure and public works" in page


def test_never_shows_text_author_tweet_or_personal_data(store, client):
    row = forwarded(store, 1, text=f"Tolong! NIK {NIK} telp {PHONE} jalan di depan rumah rusak parah",
                    author_username="warga_padang", has_personal_data=True)
    add_response(store, row, f"Sudah kami hubungi di {PHONE}, NIK {NIK} dicek.", public=True)
    page = client.get(f"/status/{number(1)}").get_data(as_text=True)
    for secret in (NIK, PHONE, "warga_padang", "jalan di depan rumah", row.first_tweet_id, row.author_id):
        assert secret not in page
    assert "[TELEPON]" in page  # the public note shows, masked


def test_shows_only_public_responses(store, client):
    row = forwarded(store, 1)
    add_response(store, row, "Tim kami akan memperbaiki minggu ini.", public=True)
    add_response(store, row, "Internal: anggaran belum cair", public=False)
    page = client.get(f"/status/{number(1)}").get_data(as_text=True)
    assert "Tim kami akan memperbaiki minggu ini." in page
    assert "anggaran" not in page


def test_agency_not_shown_before_forwarding(store, client):
    add_complaint(store, 1, agency="Dinas Rahasia", agency_id="dpupr-sumbar")
    page = client.get(f"/status/{number(1)}").get_data(as_text=True)
    assert "Dinas Rahasia" not in page and "Belum ditentukan" in page
    assert "sedang diperiksa petugas" in page


def test_number_is_normalised(store, client):
    forwarded(store, 1)
    assert client.get(f"/status/%20{number(1).lower()}%20").status_code == 200


@pytest.mark.parametrize("raw", ["LPR-2611-99999", "LPR-26-1", "../etc/passwd", "<script>x</script>", "1 OR 1=1"])
def test_unknown_or_malformed_numbers_answer_404(store, client, raw):
    forwarded(store, 1)
    answer = client.get(f"/status/{raw}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert "Laporan tidak ditemukan" in page
    assert "<script>x" not in page


def test_escapes_html_in_public_notes(store, client):
    row = forwarded(store, 1)
    add_response(store, row, "<script>alert(1)</script> diperbaiki", public=True)
    page = client.get(f"/status/{number(1)}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_page_is_standalone_and_needs_no_javascript(store, client):
    forwarded(store, 1)
    answer = client.get(f"/status/{number(1)}")
    page = answer.get_data(as_text=True)
    assert "<script" not in page and "status.css" in page and "console.css" not in page
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
