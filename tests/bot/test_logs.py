"""Logs never show a token or a citizen's personal data, in plain lines or in JSON lines."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

import pytest

from bot.logs import Scrubber, setup_logging

SECRET = "AAAAAAAAAAAAAAAAAAAAAsecretbearer"
QUOTED_SECRET = 'pa"ss\\word-9'
NIK = "1371012345678901"
PHONE = "0812-3456-7890"
EMAIL = "warga.padang@example.com"
TWEET_ID = "1861234567890123456"


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _raise_with(secret: str) -> None:
    raise RuntimeError(f"X refused Authorization: Bearer {secret}")


def test_secrets_are_masked_and_tweepy_header_logs_are_silenced(capsys):
    setup_logging("DEBUG", [SECRET, "k1"])
    logging.getLogger("bot.test").info("calling with Bearer %s", SECRET)
    logging.getLogger("tweepy.client").debug("Headers: {'Authorization': 'Bearer %s'}", SECRET)
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "calling with Bearer ***" in err
    assert "Headers" not in err


def test_a_secret_in_a_traceback_is_masked_in_plain_lines(capsys):
    setup_logging("INFO", [SECRET])
    try:
        _raise_with(SECRET)
    except RuntimeError:
        logging.getLogger("bot.test").exception("poll failed")
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err
    assert SECRET not in err
    assert "Bearer ***" in err


def test_json_lines_carry_time_level_logger_message_and_extra_fields(capsys):
    setup_logging("INFO", [], json_lines=True)
    logging.getLogger("bot.poll").warning("poll %s: %d pages", "ok", 3, extra={"pages": 3, "job": "poll"})
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["level"] == "WARNING"
    assert line["logger"] == "bot.poll"
    assert line["message"] == "poll ok: 3 pages"
    assert line["pages"] == 3 and line["job"] == "poll"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert datetime.fromisoformat(line["time"].replace("Z", "+00:00")).utcoffset().total_seconds() == 0


def test_json_lines_mask_secrets_in_the_message_the_traceback_and_extra_fields(capsys):
    setup_logging("INFO", [SECRET, QUOTED_SECRET], json_lines=True)
    log = logging.getLogger("bot.test")
    log.info("token %s and password %s", SECRET, QUOTED_SECRET, extra={"header": f"Bearer {SECRET}"})
    try:
        _raise_with(QUOTED_SECRET)
    except RuntimeError:
        log.exception("send failed")
    err = capsys.readouterr().err
    first, second = (json.loads(line) for line in err.splitlines())
    for secret in (SECRET, QUOTED_SECRET, json.dumps(QUOTED_SECRET)[1:-1]):
        assert secret not in err
    assert first["message"] == "token *** and password ***"
    assert first["header"] == "Bearer ***"
    assert "Traceback" in second["exception"] and "Bearer ***" in second["exception"]


@pytest.mark.parametrize("json_lines", [False, True])
def test_personal_data_is_masked_but_x_ids_and_tracking_numbers_stay(capsys, json_lines):
    setup_logging("INFO", [], json_lines=json_lines)
    log = logging.getLogger("bot.test")
    log.info("mention %s of LPR-2611-00042: NIK %s, HP %s, mail %s", TWEET_ID, NIK, PHONE, EMAIL)
    try:
        raise ValueError(f"cannot parse NIK {NIK} / {PHONE}")
    except ValueError:
        log.exception("quarantined %s", TWEET_ID)
    err = capsys.readouterr().err
    for personal in (NIK, PHONE, "081234567890", EMAIL):
        assert personal not in err
    assert "[NIK]" in err and "[TELEPON]" in err and "[EMAIL]" in err
    assert TWEET_ID in err and "LPR-2611-00042" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIK 1371 0123 4567 8901", "NIK [NIK]"),
        ("hp +62 812 3456 7890", "hp [TELEPON]"),
        ("user 2244994945 tweet 1861234567890123456", "user 2244994945 tweet 1861234567890123456"),
        ("took 0.25 s at 2026-11-28 01:00:00", "took 0.25 s at 2026-11-28 01:00:00"),
        ("key abcd and abcdef", "key *** and ***"),
    ],
)
def test_scrubber(text, expected):
    assert Scrubber(["abcdef", "abcd", "ab"])(text) == expected
