"""The bot's settings, wiring, scheduler and command line."""

import sys

try:
    import ingest  # noqa: F401 - importing it checks the optional compiled triage (ingest/compiled_core.py)
except ImportError as error:
    if type(error).__name__ != "StaleCompiledCore":
        raise
    sys.exit(f"lapor-bot: {error}")  # a compiled triage older than its source: one line, nothing runs
