"""`lapor-bot forget` end to end: the bot run against the sandbox, a citizen forgotten, polled again."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3

import pytest

from bot import forget_command
from bot.cli import main
from bot.settings import load_settings

RATNA = "ratna_dewi_88"  # the sandbox's sample with a NIK and a phone number
NIK, PHONE = "1371015203880000", "0812-3456-7890"
HENDRA = "hendra_tilatang"  # a thread of three tweets, answered by another citizen naming him


def forget(argv, ask=None):
    """Run `lapor-bot forget ARGV` through the command's own parser (the CLI registers the same)."""
    parser = argparse.ArgumentParser(prog="lapor-bot")
    forget_command.add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["forget", *argv])
    settings = load_settings(os.environ)
    if ask is None:
        return forget_command.forget_command(settings, args)
    return forget_command.forget_command(settings, args, ask=ask)


def db(tmp_path):
    return sqlite3.connect(tmp_path / "lapor.db")


def found_anywhere(tmp_path, *needles):
    """Return (table, column, value) of every text cell holding one of the needles (case-insensitive)."""
    hits = []
    with db(tmp_path) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for _, column, kind, *_ in conn.execute(f"PRAGMA table_info({table})"):
                if "CHAR" not in kind.upper() and "TEXT" not in kind.upper():
                    continue
                for needle in needles:
                    query = f"SELECT {column} FROM {table} WHERE lower({column}) LIKE ?"
                    hits += [(table, column, v) for (v,) in conn.execute(query, (f"%{needle.lower()}%",))]
    return hits


def texts_of(tmp_path, username):
    with db(tmp_path) as conn:
        return [t for (t,) in conn.execute("SELECT text FROM mention WHERE author_username=?", (username,))]


def test_a_forgotten_citizen_is_nowhere_counts_in_stats_and_is_not_stored_again(sandbox, tmp_path, capsys):
    secrets = [RATNA, NIK, PHONE, HENDRA, *(t[11:60] for t in texts_of(tmp_path, RATNA) + texts_of(tmp_path, HENDRA))]
    assert found_anywhere(tmp_path, *secrets)
    with db(tmp_path) as conn:
        numbers = [n for (n,) in conn.execute("SELECT tracking_number FROM complaint WHERE author_username IN (?, ?)",
                                              (RATNA, HENDRA))]
        mentions = conn.execute("SELECT count(*) FROM mention").fetchone()[0]
    assert main(["stats", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)

    assert forget(["--user", f"@{RATNA}", "--yes"]) == 0
    assert forget(["--user", HENDRA, "--yes", "--as", "budi"]) == 0
    out = capsys.readouterr().out
    assert f"X user {HENDRA} forgotten" in out and "mention" in out and numbers[0] in out

    assert found_anywhere(tmp_path, *secrets) == []
    with db(tmp_path) as conn:
        kept = conn.execute(f"SELECT tracking_number, category, text FROM complaint WHERE tracking_number IN "
                            f"({','.join('?' * len(numbers))})", numbers).fetchall()
    assert sorted(n for n, _, _ in kept) == sorted(numbers)
    assert {text for _, _, text in kept} == {"[dihapus atas permintaan]"}
    assert main(["stats", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert (after["total"], after["by_category"]) == (before["total"], before["by_category"])

    with db(tmp_path) as conn:
        conn.execute("DELETE FROM cursor")  # read the whole timeline again, as after losing the cursor
    posts = len(sandbox.posts)
    assert main(["run", "--once"]) == 0
    assert found_anywhere(tmp_path, *secrets) == []
    with db(tmp_path) as conn:
        assert conn.execute("SELECT count(*) FROM mention").fetchone()[0] == mentions
    assert len(sandbox.posts) == posts


def test_forget_asks_first_and_does_nothing_unless_confirmed(sandbox, tmp_path, capsys):
    tweet_id = sandbox.sample_id("nik_telepon")
    assert forget(["--tweet", tweet_id], ask=lambda prompt: "n") == 1
    assert found_anywhere(tmp_path, NIK)
    assert forget(["--tweet", tweet_id], ask=lambda prompt: "y") == 0
    assert found_anywhere(tmp_path, NIK) == []
    assert forget(["--tweet", tweet_id, "--yes"]) == 0
    assert "nothing left to remove" in capsys.readouterr().out


def test_forget_refuses_without_yes_when_not_at_a_terminal(sandbox, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert forget(["--user", RATNA]) == 1
    assert "needs --yes" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--tweet", "12x"], ["--user", "not a handle"]])
def test_a_malformed_target_is_a_usage_error(sandbox, argv, capsys):
    assert forget([*argv, "--yes"]) == 2
    assert "lapor-bot:" in capsys.readouterr().err
