"""The reply commands as an officer uses them: list, preview, status, send, stop, opt-outs, usage."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.cli import main


def first_acknowledged(tmp_path):
    with sqlite3.connect(tmp_path / "lapor.db") as conn:
        return conn.execute("SELECT tracking_number, first_tweet_id FROM complaint "
                            "WHERE acknowledgement='posted' ORDER BY id LIMIT 1").fetchone()


def test_list_shows_the_outbox_as_text_and_json(sandbox, tmp_path, capsys):
    capsys.readouterr()
    assert main(["replies", "list", "--status", "posted", "--json", "--limit", "500"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == len(sandbox.posts) and {d["status"] for d in data} == {"posted"}
    assert main(["replies", "list", "--status", "failed"]) == 0
    assert "no replies with status failed" in capsys.readouterr().out


def test_a_status_change_is_previewed_then_followed_up_once_under_the_acknowledgement(sandbox, tmp_path, capsys):
    number, tweet_id = first_acknowledged(tmp_path)
    capsys.readouterr()
    assert main(["replies", "preview", number]) == 0
    preview = capsys.readouterr().out
    assert "[posted] acknowledgement" in preview and "[would post: on a change to this status] followup:verified" in preview
    assert main(["complaints", "status", number, "closed"]) == 1
    assert "cannot become closed" in capsys.readouterr().err
    assert main(["complaints", "status", number, "verified", "--quiet"]) == 0
    assert "no public follow-up" in capsys.readouterr().out
    assert main(["complaints", "status", number, "forwarded", "--agency", "Dinas PUPR Kota Padang",
                 "--note", "checked photos"]) == 0
    assert "follow-up reply is queued" in capsys.readouterr().out
    before = len(sandbox.posts)
    assert main(["replies", "send"]) == 0
    assert "1 posted" in capsys.readouterr().out
    [followup] = sandbox.posts[before:]
    with sqlite3.connect(tmp_path / "lapor.db") as conn:
        [ack_id] = conn.execute("SELECT posted_tweet_id FROM reply WHERE in_reply_to_tweet_id=?", (tweet_id,)).fetchone()
    assert followup["in_reply_to_tweet_id"] == ack_id  # threaded under our acknowledgement
    assert number in followup["text"] and "Dinas PUPR Kota Padang" in followup["text"]
    assert main(["replies", "send"]) == 0 and len(sandbox.posts) == before + 1
    assert main(["complaints", "status", number, "forwarded"]) == 1
    assert "already forwarded" in capsys.readouterr().err


def test_stop_holds_every_reply_until_resume(sandbox, tmp_path, capsys):
    number, _ = first_acknowledged(tmp_path)
    assert main(["replies", "stop", "--reason", "template review"]) == 0
    assert main(["complaints", "status", number, "verified"]) == 0
    before = len(sandbox.posts)
    capsys.readouterr()
    assert main(["replies", "send"]) == 0
    assert "stopped" in capsys.readouterr().out and len(sandbox.posts) == before
    assert main(["replies", "list", "--status", "pending", "--json"]) == 0
    [waiting] = json.loads(capsys.readouterr().out)
    assert waiting["purpose"] == "followup:verified" and waiting["status"] == "queued"
    assert main(["run", "--once"]) == 0
    assert "POSTING STOPPED by an operator: template review" in capsys.readouterr().out
    assert main(["replies", "resume"]) == 0
    assert main(["replies", "send"]) == 0 and len(sandbox.posts) == before + 1


def test_opt_outs_are_listed_and_an_officer_can_remove_one(sandbox, tmp_path, capsys):
    sandbox.add_mention("@lapor1708 berhenti", author="rina_marlina_pdg")
    assert main(["run", "--once"]) == 0
    capsys.readouterr()
    assert main(["optouts", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["username"] == "rina_marlina_pdg"
    assert main(["optouts", "remove", "@Rina_Marlina_PDG"]) == 0
    assert main(["optouts", "remove", "@rina_marlina_pdg"]) == 1
    assert main(["optouts", "list"]) == 0
    assert "no opt-outs" in capsys.readouterr().out


def test_usage_reports_reads_posts_and_the_estimated_spend(sandbox, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LAPOR_PRICE_POST_WITH_LINK_USD", "0.5")
    capsys.readouterr()
    assert main(["usage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [day] = data["days"]
    assert data["prices_usd"]["post_with_link"] == 0.5
    assert day["reads"] >= len(sandbox.mention_ids()) and day["posts_with_link"] == len(sandbox.posts)
    expected = day["reads"] * 0.001 + day["posts"] * 0.01 + day["posts_with_link"] * 0.5
    assert day["estimated_usd"] == pytest.approx(expected, abs=1e-4)
    assert main(["usage"]) == 0
    assert "EST. USD" in capsys.readouterr().out
