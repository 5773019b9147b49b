"""Logging for the bot: plain lines or one JSON object per line, never a secret or personal data.

Every finished line (message, extra fields and traceback alike) goes through `Scrubber`:
configured secrets become "***", and NIK/KK numbers, mobile numbers and e-mail addresses
become "[NIK]", "[TELEPON]", "[EMAIL]" (ingest.personal_data). X ids are left alone: a
19-digit tweet id looks like a long NIK-ish run, so only 16-digit runs (NIK/KK) and
numbers written in groups count as NIK here.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ingest.personal_data import PersonalDataSpan, find_personal_data, mask_personal_data

# Libraries that log request headers (tweepy logs the bearer token at DEBUG) or chatter.
_CHATTY = (
    "tweepy",
    "requests_oauthlib",
    "oauthlib",
    "urllib3",
    "alembic",
    "apscheduler.executors.default",
)
_LOGGED_KINDS = ("nik", "phone", "email")
NIK_DIGITS = 16
# The attributes every LogRecord has; anything else on a record came through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class Scrubber:
    """Mask secrets and personal data in a text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = tuple(sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """Return `text` with every secret and every piece of personal data masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        spans = tuple(span for span in find_personal_data(text) if _is_logged_personal_data(text, span))
        return mask_personal_data(text, spans) if spans else text


def _is_logged_personal_data(text: str, span: PersonalDataSpan) -> bool:
    if span.kind not in _LOGGED_KINDS:
        return False  # account-like numbers and plates: too close to X ids and counts in logs
    if span.kind != "nik":
        return True
    found = text[span.start : span.end]
    return not found.isdigit() or len(found) == NIK_DIGITS


class RedactSecrets(logging.Filter):
    """Replace any configured secret in a record's message with a mask (for foreign handlers)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._scrub = Scrubber(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, traceback included, scrubbed as a whole."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, extra fields, exception."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # Scrub the values before encoding: a secret with a quote in it would not match once escaped.
        return json.dumps(self._scrubbed(line), ensure_ascii=False)

    def _scrubbed(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._scrub(value)
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, dict):
            return {str(k): self._scrubbed(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._scrubbed(v) for v in value]
        return self._scrub(str(value))


def _utc_iso(created: float) -> str:
    moment = datetime.fromtimestamp(created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def setup_logging(level: str, secrets: Iterable[str], json_lines: bool = False) -> None:
    """Log to stderr at `level` (JSON lines if asked), masking `secrets` and personal data."""
    scrub = Scrubber(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(scrub) if json_lines else TextFormatter(scrub))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
