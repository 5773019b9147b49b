"""Logs never show a token, even when a library logs request headers."""

from __future__ import annotations

import logging

from bot.logs import setup_logging


def test_secrets_are_masked_and_tweepy_header_logs_are_silenced(capsys):
    secret = "AAAAAAAAAAAAAAAAAAAAAsecretbearer"
    setup_logging("DEBUG", [secret, "k1"])
    try:
        logging.getLogger("bot.test").info("calling with Bearer %s", secret)
        logging.getLogger("tweepy.client").debug("Headers: {'Authorization': 'Bearer %s'}", secret)
        err = capsys.readouterr().err
        assert secret not in err
        assert "calling with Bearer ***" in err
        assert "Headers" not in err
    finally:
        logging.getLogger().handlers.clear()
