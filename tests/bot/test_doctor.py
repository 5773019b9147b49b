"""`lapor-bot doctor` names each problem in plain words: settings, database, X, SMTP, secrets, link, posting."""

from __future__ import annotations

import argparse
import sqlite3

import pytest
from aiosmtpd.controller import Controller

from bot.doctor import check_database, check_smtp, check_x, doctor_command, run_checks, try_smtp
from bot.settings import AGENCY_SECRET_PREFIX, agency_env_name, load_settings
from bot.sandbox import Sandbox
from ingest.routing import load_routing
from ingest.store.metrics import fetch_schema_state
from ingest.store.store import open_store
from replies.forward.types import SmtpConfig
from replies.post import stop_posting
from tests.fakes import START
from tests.forward.helpers import PasswordCheck, ScriptedSmtp, free_port

SMTP_USER, SMTP_PASSWORD = "lapor-bot", "pa55-w0rd-never-shown"
KEYS = {"X_API_KEY": "key-1234", "X_API_SECRET": "secret-1234", "X_ACCESS_TOKEN": "token-1234",
        "X_ACCESS_TOKEN_SECRET": "token-secret-1234", "LAPOR_FOLLOWUP_URL": "https://lapor.go.id/s/{tracking_number}"}
WEBHOOK_SECRETS = {agency_env_name(AGENCY_SECRET_PREFIX, a.id): f"hook-secret-{a.id}"
                   for a in load_routing().agencies if a.contact.webhook}


@pytest.fixture(scope="module")
def smtp_server():
    controller = Controller(ScriptedSmtp(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def smtp_auth_server():
    controller = Controller(ScriptedSmtp(), hostname="127.0.0.1", port=free_port(),
                            authenticator=PasswordCheck(SMTP_USER, SMTP_PASSWORD), auth_require_tls=False,
                            auth_required=True)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def x_sandbox():
    with Sandbox() as server:
        yield server


def _env(db_url: str, smtp_port: int, **more: str) -> dict[str, str]:
    """Return an environment where every check passes: SMTP on loopback, every webhook secret set."""
    return {"LAPOR_DATABASE_URL": db_url, "LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(smtp_port),
            "LAPOR_SMTP_SECURITY": "none", **WEBHOOK_SECRETS, **more}


def _lines(checks) -> dict[str, str]:
    return {check.name: check.line for check in checks}


def test_all_ok_with_the_sandbox_prints_one_line_per_check_and_exits_0(store, db_url, smtp_server, capsys):
    settings = load_settings(_env(db_url, smtp_server.port))
    assert doctor_command(settings, argparse.Namespace()) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "all checks passed"
    assert [line.split(":")[0] for line in out[:-1]] == [
        "settings", "database", "X", "SMTP", "agency secrets", "followup URL", "posting"]
    assert all(": ok" in line for line in out[:-1])
    assert "built-in X API sandbox" in out[2]


def test_x_keys_are_checked_with_users_me_on_the_server(store, db_url, smtp_server, x_sandbox):
    settings = load_settings(_env(db_url, smtp_server.port, X_API_BASE_URL=x_sandbox.url, **KEYS))
    line = check_x(settings).line
    assert line.startswith("X: ok") and "users/me: @lapor1708" in line
    assert any(path == "/2/users/me" for _, path, _ in x_sandbox.requests_log)


def test_wrong_x_keys_are_named(x_sandbox, capsys, store, db_url, smtp_server):
    x_sandbox.script_fault("/2/users/me", 401)
    settings = load_settings(_env(db_url, smtp_server.port, X_API_BASE_URL=x_sandbox.url, **KEYS))
    assert doctor_command(settings, argparse.Namespace()) == 1
    out = capsys.readouterr().out
    assert "X: PROBLEM: X refused the keys (401): they are wrong or revoked" in out
    assert "1 problem found" in out
    for secret in ("key-1234", "secret-1234", "token-1234"):
        assert secret not in out


def test_an_unreachable_x_is_named():
    settings = load_settings({"X_API_BASE_URL": f"http://127.0.0.1:{free_port()}", **KEYS})
    line = check_x(settings).line
    assert "X: PROBLEM:" in line and "cannot be reached" in line and "ConnectionError" in line


def test_keys_of_another_account_are_named(x_sandbox):
    settings = load_settings({"X_API_BASE_URL": x_sandbox.url, "LAPOR_ACCOUNT": "someone_else", **KEYS})
    assert "the X keys belong to @lapor1708, not LAPOR_ACCOUNT=@someone_else" in check_x(settings).line


def test_a_bearer_token_alone_is_checked_by_looking_the_account_up(x_sandbox):
    settings = load_settings({"X_API_BASE_URL": x_sandbox.url, "X_BEARER_TOKEN": "bearer-1234",
                              "LAPOR_DRY_RUN": "true", "LAPOR_FOLLOWUP_URL": KEYS["LAPOR_FOLLOWUP_URL"]})
    assert "the lookup of @lapor1708: @lapor1708" in check_x(settings).line


# --- SMTP ---------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_is_tried_and_a_wrong_password_is_named(smtp_auth_server):
    good = SmtpConfig("127.0.0.1", smtp_auth_server.port, "none", SMTP_USER, SMTP_PASSWORD)
    assert try_smtp(good) == ("connected, EHLO, login ok; no mail sent", None)
    step, problem = try_smtp(SmtpConfig("127.0.0.1", smtp_auth_server.port, "none", SMTP_USER, "wrong-password"))
    assert step == "login" and "refused the login (535)" in problem and "LAPOR_SMTP_PASSWORD" in problem
    assert not smtp_auth_server.handler.envelopes  # nothing was sent


def test_starttls_not_offered_is_named(smtp_server):
    step, problem = try_smtp(SmtpConfig("127.0.0.1", smtp_server.port, "starttls"))
    assert step == "STARTTLS" and "does not offer STARTTLS" in problem


def test_a_closed_smtp_port_is_named_and_the_password_never_shown(tmp_path):
    port = free_port()
    settings = load_settings({"LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(port),
                              "LAPOR_SMTP_USERNAME": SMTP_USER, "LAPOR_SMTP_PASSWORD": SMTP_PASSWORD})
    line = check_smtp(settings, load_routing()).line
    assert line == (f"SMTP: PROBLEM: nothing listens at 127.0.0.1:{port} (connection refused): "
                    "check LAPOR_SMTP_HOST and LAPOR_SMTP_PORT")


def test_smtp_missing_while_agencies_receive_email_is_a_problem():
    line = check_smtp(load_settings({}), load_routing()).line
    assert line.startswith("SMTP: PROBLEM: LAPOR_SMTP_HOST is not set, but e-mail is needed")


# --- database -------------------------------------------------------------------------------------------
def test_a_bad_database_url_is_named_without_its_password(tmp_path):
    missing = check_database(f"sqlite:///{tmp_path / 'nowhere' / 'lapor.db'}").line
    assert "database: PROBLEM:" in missing and "does not exist" in missing
    line = check_database(f"postgresql+psycopg://lapor:db-pa55word@127.0.0.1:{free_port()}/lapor").line
    assert line.startswith("database: PROBLEM: cannot open postgresql+psycopg://lapor:***@127.0.0.1")
    assert "db-pa55word" not in line


def test_a_database_not_created_or_not_migrated_is_named(tmp_path):
    path = tmp_path / "lapor.db"
    assert "no database file yet" in check_database(f"sqlite:///{path}").line
    assert not path.exists()  # the doctor creates nothing
    sqlite3.connect(path).close()
    assert "has no tables yet" in check_database(f"sqlite:///{path}").line
    open_store(f"sqlite:///{path}").close()
    head = fetch_schema_state(f"sqlite:///{path}").head
    assert check_database(f"sqlite:///{path}").line.endswith(f"schema at revision {head})")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    line = check_database(f"sqlite:///{path}").line
    assert f"at schema revision 0001, not the newest {head}" in line
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999zz'")
    assert "newer than this version of the bot knows" in check_database(f"sqlite:///{path}").line


# --- settings, secrets, link, posting --------------------------------------------------------------------
def test_a_broken_routing_table_or_holidays_file_is_named(tmp_path, store, db_url, smtp_server):
    broken = tmp_path / "agencies.toml"
    broken.write_text("province = \n", encoding="utf-8")
    lines = _lines(run_checks(load_settings(_env(db_url, smtp_server.port, LAPOR_ROUTING_FILE=str(broken)))))
    assert lines["settings"].startswith("settings: PROBLEM: LAPOR_ROUTING_FILE:")
    assert "routing table did not load" in lines["agency secrets"]
    lines = _lines(run_checks(load_settings(_env(db_url, smtp_server.port,
                                                 LAPOR_HOLIDAYS_FILE=str(tmp_path / "none.csv")))))
    assert lines["settings"].startswith("settings: PROBLEM: LAPOR_HOLIDAYS_FILE:")


def test_missing_webhook_secrets_are_named_by_their_variable(store, db_url, smtp_server):
    env = _env(db_url, smtp_server.port)
    dropped = sorted(WEBHOOK_SECRETS)[0]
    del env[dropped]
    line = _lines(run_checks(load_settings(env)))["agency secrets"]
    assert line.startswith(f"agency secrets: PROBLEM: set {dropped}:")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/status/{tracking_number}", "citizens on X cannot open it"),
        ("https://lapor.local/s/{tracking_number}", "citizens on X cannot open it"),
        ("http://lapor.go.id/s/{tracking_number}", "is plain http"),
        ("https://lapor.go.id/s/{tracking_number}", "followup URL: ok"),
    ],
)
def test_the_followup_url_must_be_public_https_with_real_keys(url, expected, x_sandbox):
    settings = load_settings({**KEYS, "X_API_BASE_URL": x_sandbox.url, "LAPOR_FOLLOWUP_URL": url})
    from bot.doctor import check_followup_url

    assert expected in check_followup_url(settings).line


def test_stopped_or_disabled_posting_is_a_problem_and_a_dry_run_is_not(store, db_url, smtp_server):
    env = _env(db_url, smtp_server.port)
    stop_posting(store, "maintenance window", START)
    lines = _lines(run_checks(load_settings(env)))
    assert lines["posting"] == ("posting: PROBLEM: stopped by an operator (maintenance window): replies stay queued; "
                                "`lapor-bot replies resume` lifts it")
    assert "PROBLEM: LAPOR_POSTING_ENABLED=false" in _lines(run_checks(
        load_settings({**env, "LAPOR_POSTING_ENABLED": "false"})))["posting"]
    assert _lines(run_checks(load_settings({**env, "LAPOR_DRY_RUN": "true"})))["posting"].startswith("posting: ok")
