"""Kill the bot with SIGKILL at random moments of a run with hundreds of mentions, restart it, repeat.

Afterwards every sandbox mention is stored exactly once, no tweet got two replies, an
acknowledgement row that says posted has exactly one post behind it, and no complaint was
e-mailed twice to its agency. Seeds come from LAPOR_CRASH_SEED (default 1708) so a failing
run can be repeated; LAPOR_CRASH_KILLS sets the number of kills (default 12).
"""

from __future__ import annotations

import email
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot.sandbox import Sandbox
from ingest.errors import StoreError
from ingest.store import review
from ingest.store.models import ComplaintRow, MentionRow, ReplyRow
from ingest.store.store import open_store
from tests.faults.conftest import LIMITS, complaint_text
from tests.forward.helpers import ScriptedSmtp, free_port

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("LAPOR_CRASH_SEED") or 1708)
KILLS = int(os.environ.get("LAPOR_CRASH_KILLS") or 12)
MENTIONS = 240
AUTHORS = 100  # a few authors write more than once: repeats and continuations happen too
VERIFY_PER_RESTART = 8
MINUTES_PER_RESTART = 16  # each restart comes "later": past the sending lease, forward retries, X's window


def email_only_routing(path: Path) -> Path:
    """Write the shipped routing table with every agency reached by e-mail only (loopback SMTP)."""
    table = tomllib.loads((ROOT / "ingest/rules/agencies.toml").read_text(encoding="utf-8"))
    lines = [f'province = "{table["province"]}"', f'fallback = "{table["fallback"]}"', "", "[defaults]"]
    lines += [f'{category} = "{agency}"' for category, agency in table["defaults"].items()]
    for agency in table["agencies"]:
        quoted = lambda values: "[" + ", ".join(f'"{v}"' for v in values) + "]"  # noqa: E731
        lines += ["", "[[agencies]]", f'id = "{agency["id"]}"', f'name = "{agency["name"]}"',
                  f"categories = {quoted(agency['categories'])}", f"regions = {quoted(agency['regions'])}",
                  "[agencies.contact]", f'email = "{agency["id"]}@instansi.test"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Run:
    """One bot process: `python tests/faults/crash_driver.py` (lapor-bot run --once, clock shifted)."""

    def __init__(self, env: dict[str, str], cwd: Path, minutes: int) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests/faults/crash_driver.py")], cwd=cwd,
                                     env={**env, "LAPOR_CRASH_CLOCK_MINUTES": str(minutes)},
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kill_after(self, seconds: float) -> bool:
        """SIGKILL the process after `seconds` unless it ended first; return whether it was killed."""
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            return True
        return False

    def finish(self) -> str:
        out, err = self.proc.communicate(timeout=120)
        assert self.proc.returncode == 0, err[-3000:]
        return out


@pytest.fixture
def smtp_server():
    controller = Controller(ScriptedSmtp(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def verify_some(db_url: str, count: int) -> int:
    """Verify up to `count` complaints still awaiting verification, as an officer would; return how many."""
    try:
        store = open_store(db_url)
    except StoreError:
        return 0  # the first run was killed before the database was made
    try:
        waiting = store.read(lambda s: list(s.exec(
            select(ComplaintRow.tracking_number).where(ComplaintRow.status == "awaiting_verification")
            .order_by(ComplaintRow.id).limit(count))))
        for number in waiting:
            review.verify(store, number, "officer:crash-test", datetime.now(timezone.utc))
        return len(waiting)
    finally:
        store.close()


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path, smtp_server, capsys):
    rnd = random.Random(SEED)
    db_url = f"sqlite:///{tmp_path / 'lapor.db'}"
    with Sandbox(samples=False, state_path=tmp_path / "sandbox.json", rate_limits=LIMITS) as sandbox:
        texts = random.Random(SEED + 1)
        for n in range(MENTIONS):
            sandbox.add_mention(complaint_text(n, texts), author=f"warga_{n % AUTHORS}", minutes_ago=(MENTIONS - n) / 10)
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
               "X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url, "LAPOR_LOG_LEVEL": "ERROR",
               "LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(smtp_server.port),
               "LAPOR_SMTP_SECURITY": "none",
               "LAPOR_ROUTING_FILE": str(email_only_routing(tmp_path / "routing.toml"))}
        # Migrated first: a kill during the very first migration is test_a_kill_mid_migration's subject.
        open_store(db_url).close()
        kills, runs, verified, started = 0, 0, 0, time.monotonic()
        while kills < KILLS:
            runs += 1
            if Run(env, tmp_path, runs * MINUTES_PER_RESTART).kill_after(rnd.uniform(1.0, 2.6)):
                kills += 1
            verified += verify_some(db_url, VERIFY_PER_RESTART)
        # Then restarts left alone until a run ends with nothing left to send (X allows 90 posts per window).
        for _ in range(8):
            runs += 1
            Run(env, tmp_path, runs * MINUTES_PER_RESTART).finish()
            if not pending_replies(db_url):
                break
        elapsed = time.monotonic() - started
        doubled = check_nothing_lost_or_doubled(db_url, sandbox, smtp_server.handler, kills)
        assert verified > 0
    with capsys.disabled():
        print(f"\nkills survived: {kills} (seed {SEED}, {runs} runs, {elapsed:.0f} s, "
              f"{len(sandbox.posts)} replies, none twice; {len(smtp_server.handler.envelopes)} e-mails for "
              f"{verified} verified complaints, {doubled} forwards e-mailed twice after a kill)")


def pending_replies(db_url: str) -> int:
    store = open_store(db_url)
    try:
        return sum(store.count_by(ReplyRow.status, ReplyRow.status.in_(("queued", "sending"))).values())
    finally:
        store.close()


def check_nothing_lost_or_doubled(db_url: str, sandbox: Sandbox, smtp: ScriptedSmtp, kills: int) -> int:
    store = open_store(db_url)
    try:
        stored = store.read(lambda s: list(s.exec(select(MentionRow.tweet_id))))
        complaints = store.read(lambda s: list(s.exec(select(ComplaintRow))))
        replies = store.read(lambda s: list(s.exec(select(ReplyRow))))
    finally:
        store.close()
    live = sandbox.mention_ids()
    assert len(stored) == len(set(stored)) == len(live) and set(stored) == set(live), "mentions lost or doubled"
    targets = Counter(str(p["in_reply_to_tweet_id"]) for p in sandbox.posts)
    assert max(targets.values()) == 1, f"tweets replied to twice: {[t for t, n in targets.items() if n > 1]}"
    assert {r.status for r in replies} <= {"posted", "failed", "cancelled"}, Counter(r.status for r in replies)
    assert {r.in_reply_to_tweet_id for r in replies if r.status == "posted"} == set(targets)
    for complaint in complaints:
        acknowledged = targets[complaint.first_tweet_id]
        assert acknowledged <= 1
        if complaint.acknowledgement == "posted":
            assert acknowledged == 1, f"{complaint.tracking_number}: posted but no post at X"
    forwards = Counter()
    for envelope in smtp.envelopes:
        message = email.message_from_bytes(envelope.original_content)
        if message["X-Lapor-Tracking"] and not message["X-Lapor-Breach"] and not message["X-Lapor-Digest"]:
            forwards[(message["X-Lapor-Tracking"], tuple(sorted(envelope.rcpt_tos)))] += 1
    assert forwards, "no complaint was forwarded"
    # A kill between the SMTP server's "250 accepted" and the bot recording `sent` sends the e-mail
    # again (test_a_forward_killed_after_the_smtp_server_accepted_it_is_not_sent_twice pins it down):
    # at most one extra copy per kill, never more than two of one forward.
    doubled = [key for key, n in forwards.items() if n > 1]
    assert max(forwards.values()) <= 2 and len(doubled) <= kills, doubled
    return len(doubled)


KILL_AT_FIRST_INDEX = """
import os, signal, sys
from alembic.ddl.impl import DefaultImpl
from ingest.store.store import open_store

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

DefaultImpl.create_index = die
open_store(sys.argv[1])
"""


def test_a_kill_mid_migration_leaves_a_database_the_next_start_can_open(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'lapor.db'}"
    killed = subprocess.run([sys.executable, "-c", KILL_AT_FIRST_INDEX, db_url], cwd=ROOT,
                            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    open_store(db_url).close()  # the restart must be able to finish the migration


class KillOnData(ScriptedSmtp):
    """Accept a message, then SIGKILL the bot before it hears the answer (once)."""

    victim: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None:
            self.victim.send_signal(signal.SIGKILL)
            self.victim = None
        return answer


def test_a_forward_killed_after_the_smtp_server_accepted_it_is_not_sent_twice(tmp_path):
    handler = KillOnData()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    db_url = f"sqlite:///{tmp_path / 'lapor.db'}"
    try:
        with Sandbox(samples=False, rate_limits=LIMITS) as sandbox:
            sandbox.add_mention(complaint_text(0, random.Random(SEED)), author="warga_0")
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
                   "X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url, "LAPOR_LOG_LEVEL": "ERROR",
                   "LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(controller.port),
                   "LAPOR_SMTP_SECURITY": "none",
                   "LAPOR_ROUTING_FILE": str(email_only_routing(tmp_path / "routing.toml"))}
            Run(env, tmp_path, 0).finish()
            assert verify_some(db_url, 1) == 1
            killed = Run(env, tmp_path, 1)
            handler.victim = killed.proc
            assert killed.proc.wait(timeout=60) == -signal.SIGKILL
            Run(env, tmp_path, 30).finish()  # later than the forward's stale-claim lease
    finally:
        controller.stop()
    tracked = [email.message_from_bytes(e.original_content)["X-Lapor-Tracking"] for e in handler.envelopes]
    assert len(tracked) == 1, f"the agency got {len(tracked)} e-mails for {tracked[0]}"
    # Not sent twice, and not silently dropped either: the row waits for an officer, in doubt.
    with sqlite3.connect(tmp_path / "lapor.db") as connection:
        rows = connection.execute("SELECT status, last_error FROM forward").fetchall()
    assert len(rows) == 1 and rows[0][0] == "dead" and "in doubt" in rows[0][1]
