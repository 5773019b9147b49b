"""An officer correcting the bot's links: unlink a repeat or a related complaint, merge, unmerge."""

from __future__ import annotations

import sqlite3


from bot.cli import main


def query(tmp_path, sql, *args):
    with sqlite3.connect(tmp_path / "lapor.db") as conn:
        return conn.execute(sql, args).fetchall()


def test_an_unlinked_repeat_becomes_a_complaint_of_its_own(sandbox, tmp_path, capsys):
    tweet_id = sandbox.sample_id("lampu_lalin_mati_ulang")
    [(link, before)] = query(tmp_path, "SELECT link, complaint_id FROM mention WHERE tweet_id=?", tweet_id)
    assert link == "repeat"
    count = query(tmp_path, "SELECT count(*) FROM complaint")[0][0]
    capsys.readouterr()
    assert main(["complaints", "unlink", tweet_id, "--note", "another crossing"]) == 0
    assert "now LPR-" in capsys.readouterr().out
    [(link, after, reason)] = query(tmp_path, "SELECT link, complaint_id, link_reason FROM mention WHERE tweet_id=?",
                                    tweet_id)
    assert link == "new" and after != before and "unlinked by officer: was repeat" in reason
    assert query(tmp_path, "SELECT count(*) FROM complaint")[0][0] == count + 1
    assert query(tmp_path, "SELECT acknowledgement, needs_review FROM complaint WHERE id=?", after) == [("skipped", 1)]
    events = query(tmp_path, "SELECT message FROM event WHERE kind='unlinked'")
    assert len(events) == 2 and all("another crossing" in m for (m,) in events)
    assert main(["complaints", "unlink", tweet_id]) == 1  # nothing left to unlink
    assert "nothing to unlink" in capsys.readouterr().err


def test_a_related_complaint_can_leave_its_cluster(sandbox, tmp_path, capsys):
    tweet_id = sandbox.sample_id("sampah_surabaya_mirip")
    [(link, complaint_id)] = query(tmp_path, "SELECT link, complaint_id FROM mention WHERE tweet_id=?", tweet_id)
    assert link == "related"
    assert query(tmp_path, "SELECT cluster_id IS NOT NULL FROM complaint WHERE id=?", complaint_id) == [(1,)]
    assert main(["complaints", "unlink", tweet_id]) == 0
    assert query(tmp_path, "SELECT cluster_id FROM complaint WHERE id=?", complaint_id) == [(None,)]


def test_merge_and_unmerge_are_audited_and_reversible(sandbox, tmp_path, capsys):
    (a,), (b,) = query(tmp_path, "SELECT tracking_number FROM complaint ORDER BY id LIMIT 2")
    capsys.readouterr()
    assert main(["complaints", "merge", b, a, "--note", "same pothole"]) == 0
    assert f"{b} (awaiting_verification) merged into {a}" in capsys.readouterr().out
    [(status, cluster)] = query(tmp_path, "SELECT status, cluster_id FROM complaint WHERE tracking_number=?", b)
    assert status == "merged" and cluster is not None
    assert main(["complaints", "merge", b, a]) == 1
    assert "already merged" in capsys.readouterr().err
    assert main(["complaints", "merge", a, a]) == 1
    assert main(["complaints", "unmerge", b]) == 0
    assert query(tmp_path, "SELECT status FROM complaint WHERE tracking_number=?", b) == [("awaiting_verification",)]
    assert main(["complaints", "merge", "LPR-0000-00000", a]) == 1
