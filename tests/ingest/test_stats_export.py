"""Stats and exports over a small known set of complaints on real SQLite, and their commands."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from datetime import UTC, datetime

import pytest

from bot import export_commands
from bot.settings import load_settings
from ingest.store.export import FIELDS, HIDDEN_TEXT, ExportFilter, csv_cell, fetch_export_records, write_csv, write_jsonl
from ingest.sla import SlaSettings
from ingest.store.stats import AgencyCompliance, Count, fetch_stats
from ingest.store.models import ComplaintRow, SlaBreachRow
from ingest.store.store import open_store
from ingest.workdays import WorkCalendar, start_of_day

NIK = "3171234567890001"
PHONE = "0812-3456-7890"
PRIVATE = f"@lapor1708 bansos tidak cair, NIK saya {NIK}, hubungi {PHONE}"
NOW = datetime(2026, 3, 26, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


PADANG = {"region_code": "1371", "region_name": "Kota Padang"}
PARIAMAN = {"region_code": "1306", "region_name": "Kabupaten Padang Pariaman"}
PUPR = {"agency_id": "pupr-padang", "agency": "Dinas PUPR Kota Padang"}
DINKES = {"agency_id": "dinkes-padang", "agency": "Dinas Kesehatan Kota Padang"}

# Hours per stage (acknowledge, verify, forward, respond) noted on each line.
COMPLAINTS = [
    # 1, 24, 2, 48: responded within 5 working days.
    dict(status="closed", category="infrastruktur", created_at=at(3, 2, 1), acknowledged_at=at(3, 2, 2),
         verified_at=at(3, 3, 1), forwarded_at=at(3, 3, 3), responded_at=at(3, 5, 3), closed_at=at(3, 6),
         urgent=True, supporters=4, **PADANG, **PUPR),
    # 2, 24, 4, -: never responded, overdue since 10 March.
    dict(status="forwarded", category="infrastruktur", created_at=at(3, 2, 3), acknowledged_at=at(3, 2, 5),
         verified_at=at(3, 3, 3), forwarded_at=at(3, 3, 7), **PADANG, **PUPR),
    # 3, 24, 1, -: forwarded on 17 March, due 31 March (Nyepi and Idul Fitri leave between): still in time.
    dict(status="in_progress", category="kesehatan", created_at=at(3, 16, 1), acknowledged_at=at(3, 16, 4),
         verified_at=at(3, 17, 1), forwarded_at=at(3, 17, 2), **PADANG, **DINKES),
    # 4, 48, 2, 192: responded after its deadline of 11 March.
    dict(status="responded", category="kesehatan", created_at=at(3, 2, 1), acknowledged_at=at(3, 2, 5),
         verified_at=at(3, 4, 1), forwarded_at=at(3, 4, 3), responded_at=at(3, 12, 3), **PARIAMAN, **DINKES),
    # -, 24, 4, -: rejected after forwarding, so no longer the agency's to answer; text marked by an officer.
    dict(status="rejected", category="kesehatan", created_at=at(3, 3, 1), verified_at=at(3, 4, 1),
         forwarded_at=at(3, 4, 5), personal_data_marked=True, text=f"@lapor1708 NIK {NIK} ditolak", **PARIAMAN,
         **DINKES),
    # 0.5, -, -, -: personal data in the text.
    dict(status="awaiting_verification", kind="aspiration", category="lingkungan", created_at=at(3, 25, 1),
         acknowledged_at=at(3, 25, 1, 30), text=PRIVATE, has_personal_data=True),
    # 18:00 UTC on 15 March is 16 March in Jakarta.
    dict(status="awaiting_verification", category="infrastruktur", created_at=at(3, 15, 18), **PADANG),
]
BREACHES = [(1, "verify"), (2, "respond"), (3, "verify"), (4, "respond")]


def complaint_row(number: int, values: dict) -> ComplaintRow:
    fields = {
        "tracking_number": f"LPR-2603-{number:05d}",
        "first_tweet_id": str(1900000000000000000 + number),
        "author_id": str(100 + number),
        "author_username": f"warga{number}",
        "text": f"=HYPERLINK jalan rusak nomor {number}" if number == 2 else f"@lapor1708 jalan rusak {number}",
        "kind": "complaint",
        "language": "id",
        "acknowledgement": "posted",
        "acknowledgement_reason": "",
        "updated_at": values["created_at"],
    }
    return ComplaintRow(**{**fields, **values})


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    store = open_store(url)
    with store.session() as session:
        for number, values in enumerate(COMPLAINTS, start=1):
            session.add(complaint_row(number, values))
        session.flush()
        for complaint_id, stage in BREACHES:
            session.add(SlaBreachRow(complaint_id=complaint_id, stage=stage, deadline=NOW, detected_at=NOW))
    store.close()
    return url


@pytest.fixture
def store(db_url):
    opened = open_store(db_url)
    yield opened
    opened.close()


def exported(store, which=None, **options):
    return list(fetch_export_records(store, which or ExportFilter(), **options))


# --- stats --------------------------------------------------------------------------


def test_stats_count_by_status_kind_category_region_and_agency(store):
    stats = fetch_stats(store, SlaSettings(), WorkCalendar(), NOW)
    assert stats.total == 7
    assert stats.by_status == {"awaiting_verification": 2, "closed": 1, "forwarded": 1, "in_progress": 1,
                               "rejected": 1, "responded": 1}
    assert stats.by_kind == {"complaint": 6, "aspiration": 1}
    assert stats.by_category == {"infrastruktur": 3, "kesehatan": 3, "lingkungan": 1}
    assert stats.top_regions == (Count("1371", "Kota Padang", 4), Count("1306", "Kabupaten Padang Pariaman", 2),
                                 Count("(none)", None, 1))
    assert stats.by_agency == (Count("dinkes-padang", "Dinas Kesehatan Kota Padang", 3),
                               Count("pupr-padang", "Dinas PUPR Kota Padang", 2), Count("(none)", None, 2))
    assert stats.breaches_by_stage == {"respond": 2, "verify": 2}


def test_stats_medians_are_in_hours_per_stage(store):
    stats = fetch_stats(store, SlaSettings(), WorkCalendar(), NOW)
    assert stats.median_hours == {"acknowledge": 2.0, "verify": 24.0, "forward": 2.0, "respond": 120.0}


def test_compliance_counts_responses_in_time_and_clocks_still_running(store):
    stats = fetch_stats(store, SlaSettings(), WorkCalendar(), NOW)
    assert stats.compliance == (AgencyCompliance("dinkes-padang", 2, 1), AgencyCompliance("pupr-padang", 2, 1))
    assert [c.share for c in stats.compliance] == [0.5, 0.5]
    # With 7 working days, complaint 4 (responded after 6) is in time too.
    generous = fetch_stats(store, SlaSettings(respond_days=7), WorkCalendar(), NOW)
    assert generous.compliance[0] == AgencyCompliance("dinkes-padang", 2, 2)


def test_stats_since_a_day_keep_complaints_created_from_its_wib_start(store):
    stats = fetch_stats(store, SlaSettings(), WorkCalendar(), NOW, since=start_of_day(datetime(2026, 3, 16).date()))
    assert stats.total == 3 and stats.by_status == {"awaiting_verification": 2, "in_progress": 1}
    assert stats.breaches_by_stage == {"verify": 1}
    assert stats.median_hours["respond"] is None
    assert json.loads(json.dumps(stats.as_dict()))["compliance"] == [
        {"agency_id": "dinkes-padang", "forwarded": 1, "within": 1, "share": 1.0}]


# --- export -------------------------------------------------------------------------


def test_export_masks_personal_data_and_hides_marked_texts(store):
    records = exported(store)
    assert [r["tracking_number"] for r in records] == [f"LPR-2603-{n:05d}" for n in range(1, 8)]
    assert all(tuple(r) == FIELDS for r in records)  # no author id or handle
    private = records[5]["text"]
    assert NIK not in private and PHONE not in private
    assert private == "@lapor1708 bansos tidak cair, NIK saya [NIK], hubungi [TELEPON]"
    assert records[4]["text"] == HIDDEN_TEXT


def test_export_with_personal_data_keeps_the_text_and_adds_the_author(store):
    records = exported(store, include_personal_data=True)
    assert records[5]["text"] == PRIVATE
    assert records[4]["text"] == f"@lapor1708 NIK {NIK} ditolak"
    assert (records[5]["author_id"], records[5]["author_username"]) == ("106", "warga6")


def test_export_filters_by_status_and_wib_day_and_reads_in_pages(store):
    waiting = exported(store, ExportFilter(status="awaiting_verification"))
    assert [r["tracking_number"] for r in waiting] == ["LPR-2603-00006", "LPR-2603-00007"]
    recent = exported(store, ExportFilter(since=start_of_day(datetime(2026, 3, 16).date())))
    assert [r["tracking_number"] for r in recent] == ["LPR-2603-00003", "LPR-2603-00006", "LPR-2603-00007"]
    assert exported(store, page_size=2) == exported(store)
    assert exported(store, ExportFilter(status="merged")) == []


def test_csv_and_jsonl_parse_back(store):
    records = exported(store)
    text = io.StringIO()
    assert write_csv(records, text, FIELDS) == 7
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert tuple(rows[0]) == FIELDS
    assert rows[0]["urgent"] == "true" and rows[1]["urgent"] == "false" and rows[0]["supporters"] == "4"
    # A cell starting with "@" would run as a formula in a spreadsheet: it gets a leading quote.
    assert rows[5]["region_code"] == "" and rows[5]["text"] == "'" + records[5]["text"]
    assert datetime.fromisoformat(rows[0]["responded_at"]) == at(3, 5, 3)
    lines = io.StringIO()
    assert write_jsonl(records, lines) == 7
    parsed = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert parsed == records and parsed[0]["urgent"] is True and parsed[5]["region_code"] is None


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("@lapor1708 jalan", "'@lapor1708 jalan"), ("-5", "'-5"),
     ("jalan rusak", "jalan rusak"), (-5, "-5"), (None, ""), (False, "false")],
)
def test_csv_cells_cannot_run_as_spreadsheet_formulas(value, cell):
    assert csv_cell(value) == cell


# --- commands -----------------------------------------------------------------------


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """Run `lapor-bot export|stats` on the dataset, from an empty folder."""
    for key in list(os.environ):
        if key.startswith(("X_", "LAPOR_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAPOR_DATABASE_URL", db_url)
    parser = argparse.ArgumentParser(prog="lapor-bot")
    export_commands.add_commands(parser.add_subparsers(dest="command", required=True))

    def run(argv):
        args = parser.parse_args(argv)
        return args.handler(load_settings(os.environ), args)

    return run


def test_export_command_writes_masked_csv_to_a_file(cli, tmp_path, capsys):
    out = tmp_path / "complaints.csv"
    assert cli(["export", "--output", str(out), "--since", "2026-03-16"]) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tracking_number"] for r in rows] == ["LPR-2603-00003", "LPR-2603-00006", "LPR-2603-00007"]
    assert "[NIK]" in rows[1]["text"] and NIK not in out.read_text(encoding="utf-8")
    assert f"exported 3 complaint(s) to {out}" in capsys.readouterr().err


def test_export_command_with_personal_data_warns_on_stderr(cli, capsys):
    assert cli(["export", "--format", "jsonl", "--status", "awaiting_verification", "--include-personal-data"]) == 0
    captured = capsys.readouterr()
    assert "warning: this export holds citizens' personal data" in captured.err
    first = json.loads(captured.out.splitlines()[0])
    assert first["text"] == PRIVATE and first["author_username"] == "warga6"


def test_export_command_refuses_a_bad_day(cli, capsys):
    with pytest.raises(SystemExit):
        cli(["export", "--since", "16-03-2026"])
    assert "expected a day like 2026-03-01" in capsys.readouterr().err


def test_stats_command_prints_json_and_text(cli, capsys):
    assert cli(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 7 and data["respond_days"] == 5 and data["breaches_by_stage"] == {"respond": 2, "verify": 2}
    assert [c["agency_id"] for c in data["compliance"]] == ["dinkes-padang", "pupr-padang"]
    assert cli(["stats", "--since", "2026-03-16"]) == 0
    text = capsys.readouterr().out
    assert "complaints: 3" in text and "median hours: acknowledge 1.75, verify 24" in text


def test_stats_command_reports_a_bad_holiday_file(cli, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "holidays.csv"
    bad.write_text("2026-12-31, day off\n", encoding="utf-8")
    monkeypatch.setenv("LAPOR_HOLIDAYS_FILE", str(bad))
    assert cli(["stats"]) == 2
    assert "line 1: kind must be holiday or workday" in capsys.readouterr().err
