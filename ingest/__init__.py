"""Fetch, normalise, triage, link and store mentions."""

from ingest.compiled_core import check as _check_compiled_core

_check_compiled_core()  # a compiled triage older than its source must not run (scripts/compile_core.py)
