"""Where a follow-up goes: under our newest posted reply, never twice under one tweet."""

from __future__ import annotations

import pytest

from replies.followup import ThreadReply, followup_target

ACK = ThreadReply("posted", "100", "900")
CASES = [
    ("under the acknowledgement", "posted", [ACK], False, "reply", "900"),
    ("under the newest follow-up", "posted", [ACK, ThreadReply("posted", "900", "901")], False, "reply", "901"),
    ("acknowledgement still queued", "queued", [ThreadReply("queued", "100", None)], False, "wait", None),
    ("previous follow-up still sending", "posted", [ACK, ThreadReply("sending", "900", None)], False, "wait", None),
    ("acknowledgement skipped", "skipped", [], False, "skip", None),
    ("acknowledgement failed", "failed", [ThreadReply("failed", "100", None)], False, "skip", None),
    ("previous follow-up failed: the ack has its reply already", "posted",
     [ACK, ThreadReply("failed", "900", None)], False, "skip", None),
    ("acknowledgement not decided yet", "pending", [], False, "wait", None),
    ("dry run", "dry_run", [ThreadReply("dry_run", "100", None)], False, "dry_run", None),
    ("dry run setting", "posted", [ACK], True, "dry_run", None),
    ("posted by inference: no id to answer", "posted", [ThreadReply("posted", "100", None)], False, "skip", None),
]


@pytest.mark.parametrize(("name", "ack", "thread", "dry_run", "action", "tweet_id"), CASES, ids=[c[0] for c in CASES])
def test_followup_target(name, ack, thread, dry_run, action, tweet_id):
    target = followup_target(ack, thread, dry_run=dry_run)
    assert (target.action, target.tweet_id) == (action, tweet_id)
