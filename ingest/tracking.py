"""Tracking numbers citizens can read out over the phone: LPR-YYMM-NNNNN."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# Western Indonesia Time (UTC+7, no daylight saving): the month a citizen would name.
WIB = timezone(timedelta(hours=7), "WIB")
PATTERN = re.compile(r"\bLPR-(\d{4})-(\d{5,})\b")


def tracking_period(moment: datetime) -> str:
    """Return the YYMM period, in WIB, that a complaint made at `moment` belongs to."""
    return moment.astimezone(WIB).strftime("%y%m")


def format_tracking_number(period: str, sequence: int) -> str:
    """Return the tracking number for the `sequence`-th complaint of `period`."""
    if sequence < 1:
        raise ValueError("a tracking sequence starts at 1")
    return f"LPR-{period}-{sequence:05d}"


def is_tracking_number(text: str) -> bool:
    """Return whether `text` is exactly one tracking number (e.g. "LPR-2611-00042")."""
    return PATTERN.fullmatch(text) is not None
