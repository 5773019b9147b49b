"""Logging for the bot: one format, and no secret ever printed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

# Libraries that log request headers (tweepy logs the bearer token at DEBUG) or chatter.
_CHATTY = (
    "tweepy",
    "requests_oauthlib",
    "oauthlib",
    "urllib3",
    "alembic",
    "apscheduler.executors.default",
)


class RedactSecrets(logging.Filter):
    """Replace any configured secret in a log record with a mask."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at `level`, masking `secrets`; keep header-logging libraries quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
