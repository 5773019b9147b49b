"""The database failing under the bot: locked by another writer, or its file gone (SQLite only)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.wiring import build_bot
from ingest.errors import StoreError

pytestmark = pytest.mark.sqlite_only


class Locker:
    """Another process's connection holding the SQLite write lock (BEGIN IMMEDIATE)."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = False

    def hold(self) -> None:
        if not self.held:
            self.connection.execute("BEGIN IMMEDIATE")
            self.held = True

    def release(self) -> None:
        if self.held:
            self.connection.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self.connection.close()


@pytest.fixture
def locker_for():
    made: list[Locker] = []

    def make(path: str) -> Locker:
        made.append(Locker(path))
        return made[-1]

    yield make
    for locker in made:
        locker.close()


def test_a_database_locked_before_the_tick_skips_it_and_the_next_tick_works(world, locker_for):
    w = world(fresh=5)
    locker = locker_for(w.db_path)
    locker.hold()
    poll, send = w.tick()
    assert poll is None and send is not None  # the poll gave up on the lock; the send had nothing to write
    locker.release()
    w.verify("store: locked before the tick", logged=("database is locked",))


def test_a_database_locked_while_mentions_are_read_keeps_the_cursor(world, locker_for):
    w = world(fresh=5)
    locker = locker_for(w.db_path)
    cursor = w.bot.store.get_cursor("mentions")
    w.sandbox.script_action("/mentions", locker.hold, method="GET")  # locked while X answers
    poll, _ = w.tick()
    locker.release()
    assert poll is None, "the poll gave up on the lock and returned"
    assert w.bot.store.get_cursor("mentions") == cursor, "the cursor waits for the batch it covers"
    assert len(w.stored()) == 1
    w.verify("store: locked while mentions are read", logged=("database is locked",))


def test_a_database_locked_between_a_post_and_its_record_posts_nothing_twice(world, locker_for):
    w = world(fresh=5)
    w.bot.poll()
    locker = locker_for(w.db_path)
    w.sandbox.script_action("/2/tweets", locker.hold, method="POST")  # X takes the post; we cannot record it
    _, send = w.tick()
    assert send is None and len(w.sandbox.posts) == 2  # the first tick's reply and this one
    locker.release()
    assert {r.status for r in w.replies()} >= {"sending"}
    w.verify("store: locked between post and record", logged=("database is locked", "was being sent"))
    in_doubt = [r for r in w.replies() if r.in_doubt]
    assert len(in_doubt) == 1 and "earlier attempt" in in_doubt[0].last_error


def test_a_database_file_deleted_under_the_bot_is_reported(world):
    w = world(fresh=2)
    folder = Path(w.db_path).parent
    for name in os.listdir(folder):
        if name.startswith(Path(w.db_path).name):
            os.remove(folder / name)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        w.add(2)
        w.tick()  # must return
        reported = w.logged("database", "lapor.db")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert reported, "the bot went on as if its database were there"


def test_a_database_gone_at_start_is_refused_in_plain_words(tmp_path, world):
    w = world(fresh=1)
    with pytest.raises(StoreError, match="does not exist"):
        build_bot(load_settings({"X_API_BASE_URL": w.sandbox.url,
                                 "LAPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'removed' / 'lapor.db'}"}))
    if os.geteuid() == 0:
        return  # root writes into a read-only folder anyway
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StoreError, match="unable to open database file"):
            build_bot(load_settings({"X_API_BASE_URL": w.sandbox.url,
                                     "LAPOR_DATABASE_URL": f"sqlite:///{folder / 'lapor.db'}"}))
    finally:
        folder.chmod(stat.S_IRWXU)
