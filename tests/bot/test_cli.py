"""The lapor-bot command end to end: real tweepy over real HTTP to the sandbox, real SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.cli import main
from bot.sandbox import Sandbox

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "LAPOR_"))}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no X or LAPOR settings in the environment."""
    for key in list(os.environ):
        if key.startswith(("X_", "LAPOR_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def count(db: Path, query: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchone()[0]


def test_run_once_twice_against_a_server_reads_each_mention_once_and_replies_once(workdir, monkeypatch, capsys):
    with Sandbox() as sandbox:
        monkeypatch.setenv("X_API_BASE_URL", sandbox.url)
        assert main(["run", "--once"]) == 0
        first = capsys.readouterr().out
        db = workdir / "lapor.db"
        mentions = count(db, "SELECT count(*) FROM mention")
        assert mentions == len(sandbox.mention_ids())
        posted = len(sandbox.posts)
        assert posted > 10 and count(db, "SELECT count(*) FROM reply WHERE status='posted'") == posted
        assert "== LAPOR! mentions bot: summary ==" in first and f"{mentions} mentions read" in first

        newest = max(sandbox.mention_ids(), key=int)
        assert main(["run", "--once"]) == 0
        second = capsys.readouterr().out
        assert "0 mentions read" in second and "0 replies posted" in second
        assert count(db, "SELECT count(*) FROM mention") == mentions
        assert len(sandbox.posts) == posted
        polls = [params for method, path, params in sandbox.requests_log if path.endswith("/mentions")]
        assert "since_id" not in polls[0] and polls[-1]["since_id"] == newest


def test_every_reply_goes_to_the_mentions_own_tweet_and_names_its_tracking_number(workdir, monkeypatch, capsys):
    with Sandbox() as sandbox:
        monkeypatch.setenv("X_API_BASE_URL", sandbox.url)
        main(["run", "--once"])
        db = workdir / "lapor.db"
        with sqlite3.connect(db) as conn:
            tracked = dict(conn.execute("SELECT first_tweet_id, tracking_number FROM complaint").fetchall())
        for post in sandbox.posts:
            target = post["in_reply_to_tweet_id"]
            # A complaint's reply names its tracking number; any other reply carries a reference.
            assert (target in tracked and tracked[target] in post["text"]) or "(Ref: " in post["text"]
        assert len({p["in_reply_to_tweet_id"] for p in sandbox.posts}) == len(sandbox.posts)
        own = sandbox.sample_id("own_account")
        spam = sandbox.sample_id("spam_slot_gacor")
        old = sandbox.sample_id("old_pju_bukittinggi")
        retweet = sandbox.sample_id("retweet_banjir")
        assert not {own, spam, old, retweet} & {p["in_reply_to_tweet_id"] for p in sandbox.posts}
        nik = sandbox.sample_id("nik_telepon")
        [warning] = [p["text"] for p in sandbox.posts if p["in_reply_to_tweet_id"] == nik]
        assert "1371015203880000" not in warning and "data pribadi" in warning


def test_new_mentions_after_a_run_are_picked_up_by_the_next(workdir, monkeypatch, capsys):
    with Sandbox(samples=False) as sandbox:
        monkeypatch.setenv("X_API_BASE_URL", sandbox.url)
        main(["run", "--once"])
        tweet_id = sandbox.add_mention("Jalan di depan SDN 05 Padang berlubang dan tergenang, bahaya untuk anak", author="rina")
        main(["run", "--once"])
        [post] = sandbox.posts
        assert post["in_reply_to_tweet_id"] == tweet_id and "LPR-" in post["text"]


def test_complaints_list_and_show(workdir, monkeypatch, capsys):
    with Sandbox() as sandbox:
        monkeypatch.setenv("X_API_BASE_URL", sandbox.url)
        main(["run", "--once"])
    capsys.readouterr()
    assert main(["complaints", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and {"tracking_number", "kind", "category", "status"} <= set(listed[0])
    number = listed[-1]["tracking_number"]
    assert main(["complaints", "show", number]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(number) and "mentions:" in shown and "replies:" in shown
    assert main(["complaints", "show", "LPR-0000-00000"]) == 1


def test_embedded_sandbox_is_the_default_and_keeps_its_timeline(workdir, capsys):
    assert main(["run", "--once"]) == 0
    first = capsys.readouterr().out
    assert (workdir / "lapor-sandbox.json").exists()
    assert main(["run", "--once"]) == 0
    second = capsys.readouterr().out
    assert "this run: 0 mentions read," in second and ", 0 replies posted" in second
    posted = re.search(r"(\d+) replies posted", first)
    assert posted and int(posted.group(1)) > 0  # "30 replies posted" is not "0 replies posted"


def run_cli(args: list[str], cwd: Path, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60, **kwargs)


def project_env(extra: dict[str, str]) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    return {**CLEAN_ENV, "PYTHONPATH": root, **extra}


@pytest.mark.parametrize(
    ("env", "named"),
    [({"LAPOR_POLL_SECONDS": "often"}, "LAPOR_POLL_SECONDS"),
     ({"X_API_KEY": "only-one"}, "X_API_SECRET")],
)
def test_a_bad_setting_stops_the_bot_with_one_line(tmp_path, env, named):
    result = run_cli(["run", "--once"], tmp_path, project_env(env))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and named in result.stderr
    assert not (tmp_path / "lapor.db").exists()


def test_settings_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("LAPOR_BACKFILL_HOURS=soon\n")
    result = run_cli(["run", "--once"], tmp_path, project_env({}))
    assert result.returncode == 2 and "LAPOR_BACKFILL_HOURS" in result.stderr


def test_a_corrupt_sandbox_state_file_is_one_clear_error(tmp_path):
    (tmp_path / "lapor-sandbox.json").write_text('{"tweets": [')
    result = run_cli(["run", "--once"], tmp_path, project_env({}))
    assert result.returncode == 2 and "LAPOR_SANDBOX_STATE" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_unusable_database_is_one_clear_error(tmp_path):
    result = run_cli(["run", "--once"], tmp_path, project_env({"LAPOR_DATABASE_URL": "sqlite:///missing/dir/l.db"}))
    assert result.returncode == 1 and "database error" in result.stderr and "Traceback" not in result.stderr


def test_run_serves_until_sigterm_then_finishes_the_tick_and_exits_cleanly(tmp_path):
    env = project_env({"LAPOR_POLL_SECONDS": "5", "X_BEARER_TOKEN": "secret-bearer-value-123",
                       "X_API_KEY": "k1k1k1", "X_API_SECRET": "s1s1s1", "X_ACCESS_TOKEN": "t1t1t1",
                       "X_ACCESS_TOKEN_SECRET": "u1u1u1", "LAPOR_LOG_LEVEL": "DEBUG",
                       "LAPOR_FOLLOWUP_URL": "https://lapor.example.go.id/status/{tracking_number}"})
    with Sandbox() as sandbox:
        env["X_API_BASE_URL"] = sandbox.url
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not sandbox.posts and time.monotonic() < deadline:
                time.sleep(0.2)
            assert sandbox.posts, "the running bot posted nothing within 30 s"
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "finishing the current tick" in err and "bot stopped" in err
    assert "== LAPOR! mentions bot: summary ==" in out
    for secret in ("secret-bearer-value-123", "k1k1k1", "s1s1s1", "t1t1t1", "u1u1u1"):
        assert secret not in err and secret not in out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sandbox_command_serves_the_x_api_shapes(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port)], cwd=tmp_path,
                            env=project_env({}), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/2/users/me",
                                      headers={"Authorization": 'OAuth oauth_consumer_key="x"'}, timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json()["data"]["username"] == "lapor1708"
        assert "x-rate-limit-remaining" in answer.headers
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
