"""Run `lapor-bot run --once` with the bot's clock moved forward, for the crash tests.

The crash test restarts the bot many times within a minute; a bot killed mid-post leaves its
reply `sending` for a five-minute lease (and its forward claimed). Each restart therefore
runs LAPOR_CRASH_CLOCK_MINUTES ahead, as if the operator's restart came that much later.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone

import bot.wiring
from bot.cli import main

OFFSET = timedelta(minutes=float(os.environ.get("LAPOR_CRASH_CLOCK_MINUTES") or 0))


def shifted_now() -> datetime:
    """Return the current time, aware, moved forward by OFFSET."""
    return datetime.now(timezone.utc) + OFFSET


if __name__ == "__main__":
    bot.wiring.utc_now = shifted_now
    sys.exit(main(["run", "--once"]))
