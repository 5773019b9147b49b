"""Save and load the sandbox timeline as one JSON file, atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .timeline import Timeline


def save_timeline(path: Path, timeline: Timeline) -> None:
    """Write `timeline` to `path` (temporary file, then os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(timeline.to_dict(), out, ensure_ascii=False, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_timeline(path: Path, account: str) -> Timeline | None:
    """Read a timeline saved by `save_timeline`; None if `path` does not exist."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        timeline = Timeline.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as broken:
        raise ValueError(f"sandbox state file {path} is corrupt or not a sandbox state "
                         f"({type(broken).__name__}: {broken}); move it away to start afresh"
                         ) from broken
    if timeline.account.lower() != account.lower():
        raise ValueError(f"sandbox state file {path} belongs to @{timeline.account}, "
                         f"not @{account}")
    return timeline
