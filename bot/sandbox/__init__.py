"""A local stand-in for the X API v2 endpoints the bot uses (see `Sandbox`)."""

from .problems import (APP_ONLY_FORBIDDEN, DUPLICATE_CONTENT, NOT_ENGAGED, REPLY_TARGET_GONE,
                       TEXT_TOO_LONG)
from .server import Sandbox

__all__ = ["APP_ONLY_FORBIDDEN", "DUPLICATE_CONTENT", "NOT_ENGAGED", "REPLY_TARGET_GONE",
           "TEXT_TOO_LONG", "Sandbox"]
