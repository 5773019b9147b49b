"""The officers' and agencies' commands on the sandbox's sample complaints."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.cli import main


def query(tmp_path, sql, *args):
    with sqlite3.connect(tmp_path / "lapor.db") as conn:
        return conn.execute(sql, args).fetchall()


def listed(capsys, *args):
    capsys.readouterr()
    assert main(["review", "list", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_queue_puts_needs_review_first_then_urgent_with_deadlines(sandbox, capsys):
    page = listed(capsys, "--all", "--limit", "100")
    items = page["items"]
    assert page["total"] == len(items) == page["counts"]["open"]
    keys = [(not i["needs_review"], not i["urgent"], i["due"]) for i in items]
    assert [k[:2] for k in keys] == sorted(k[:2] for k in keys)
    assert all(i["due"] != "-" for i in items)  # every open complaint runs an SLA clock
    review_only = listed(capsys)
    assert review_only["items"] and all(i["needs_review"] for i in review_only["items"])
    assert review_only["total"] == page["counts"]["needs_review"]
    urgent = listed(capsys, "--all", "--flag", "urgent")
    assert urgent["items"] and all("urgent" in i["flags"] for i in urgent["items"])
    number = items[-1]["tracking_number"]
    assert [i["tracking_number"] for i in listed(capsys, "--search", number)["items"]] == [number]


def test_verify_reclassify_and_reject_are_audited_with_the_officer(sandbox, tmp_path, capsys):
    number = "LPR-2611-00001"
    assert main(["review", "verify", number, "--as", "siti", "--note", "dicek"]) == 0
    assert "is verified" in capsys.readouterr().out
    assert main(["review", "verify", number]) == 1
    assert "already verified" in capsys.readouterr().err
    assert main(["review", "reclassify", number, "--category", "kesehatan", "--as", "siti"]) == 0
    out = capsys.readouterr().out
    assert "category kesehatan" in out and "agency dinkes-sumbar" in out  # re-routed
    assert main(["review", "reclassify", number, "--category", "sihir"]) == 1
    assert "unknown category" in capsys.readouterr().err
    audit = query(tmp_path, "SELECT actor, action, field, previous, value, reason FROM audit "
                            "WHERE complaint_id=(SELECT id FROM complaint WHERE tracking_number=?) ORDER BY id", number)
    assert ("officer:siti", "status", "status", "awaiting_verification", "verified", "dicek") in audit
    assert ("officer:siti", "reclassify", "category", "perhubungan", "kesehatan", "") in audit
    assert any(a[1] == "reclassify" and a[2] == "agency_id" and a[4] == "dinkes-sumbar" for a in audit)
    capsys.readouterr()
    assert main(["export-labels"]) == 0
    labels = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(lab["tracking_number"], lab["category"], lab["category_was"]) for lab in labels] == [
        (number, "kesehatan", "perhubungan")]
    with pytest.raises(SystemExit):  # --reason is required
        main(["review", "reject", "LPR-2611-00002"])
    capsys.readouterr()
    assert main(["review", "reject", "LPR-2611-00002", "--reason", "bukan kewenangan"]) == 0
    assert query(tmp_path, "SELECT status, rejection_reason FROM complaint WHERE tracking_number='LPR-2611-00002'") \
        == [("rejected", "bukan kewenangan")]


def test_an_agency_response_moves_the_complaint_and_owes_one_followup(sandbox, tmp_path, capsys):
    number = "LPR-2611-00003"
    assert main(["complaints", "respond", number, "--status", "responded", "--note", "x"]) == 1
    assert "not been forwarded" in capsys.readouterr().err
    assert main(["review", "verify", number]) == 0
    assert main(["complaints", "status", number, "forwarded", "--agency", "Dinas"]) == 0
    [(agency,)] = query(tmp_path, "SELECT agency_id FROM complaint WHERE tracking_number=?", number)
    assert main(["complaints", "respond", number, "--status", "responded", "--note", "x", "--agency", "other"]) == 1
    assert f"no complaint {number}" in capsys.readouterr().err  # another agency sees nothing
    assert main(["complaints", "respond", number, "--status", "responded", "--note", "Sudah ditangani",
                 "--agency", agency]) == 0
    assert "forwarded -> responded" in capsys.readouterr().out
    followups = query(tmp_path, "SELECT status FROM followup WHERE complaint_id=(SELECT id FROM complaint "
                                "WHERE tracking_number=?) ORDER BY id", number)
    assert followups == [("verified",), ("forwarded",), ("responded",)]
    assert main(["review", "show", number]) == 0
    shown = capsys.readouterr().out
    assert f"agency:{agency} [responded] Sudah ditangani" in shown and "audit:" in shown


def test_forwards_without_smtp_wait_and_a_dead_one_can_be_retried(sandbox, tmp_path, capsys):
    number = "LPR-2611-00001"
    assert main(["review", "verify", number]) == 0
    assert main(["forwards", "send"]) == 0
    out = capsys.readouterr().out
    assert "1 queued, 0 sent" in out and "LAPOR_SMTP_HOST is not set" in out
    assert query(tmp_path, "SELECT channel, status, attempts FROM forward") == [("email", "queued", 0)]
    assert main(["forwards", "retry", "1"]) == 1
    assert "not dead" in capsys.readouterr().err
    with sqlite3.connect(tmp_path / "lapor.db") as conn:
        conn.execute("UPDATE forward SET status='dead', last_error='550 no such mailbox'")
    assert main(["forwards", "list", "--status", "dead"]) == 0
    assert "550 no such mailbox" in capsys.readouterr().out
    assert main(["forwards", "retry", "1", "--as", "siti"]) == 0
    assert query(tmp_path, "SELECT status FROM forward") == [("queued",)]
    assert query(tmp_path, "SELECT actor FROM audit WHERE action='forward_retry'") == [("officer:siti",)]
