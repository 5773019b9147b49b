"""The optional compiled triage: which modules `scripts/compile_core.py` compiles, and a guard.

mypyc can compile the triage's modules into C extensions that Python imports in place of the
sources (about 1.2x faster, the same answers). A compiled module is a snapshot: after its
source is edited it would still run the old code. `check` (run when `ingest` is imported)
refuses that, and an incomplete set, with the command that fixes it. Pure Python itself, so
it runs before any compiled module is loaded.
"""

from __future__ import annotations

import sys
import sysconfig
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

# The triage's modules, compiled together (they call each other).
MODULES = (
    "classify", "decide", "flags", "gazetteer", "language", "model", "personal_data", "region", "region_names",
    "region_words", "routing", "triage",
)
GROUP = "ingest._triage_core"  # the shared library all of them load: ingest/_triage_core__mypyc.*.so
PACKAGE = Path(__file__).resolve().parent
FIX = "run `python scripts/compile_core.py` again, or `python scripts/compile_core.py --clean` for pure Python"


class StaleCompiledCore(ImportError):
    """A compiled module does not match its source (edited since), or the set is incomplete."""


def _suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX") or EXTENSION_SUFFIXES[0])


def built_names() -> tuple[str, ...]:
    """Return the names of the extensions a build makes: every module, then the shared library."""
    return (*MODULES, GROUP.rsplit(".", 1)[1] + "__mypyc")


def compiled_files(package: Path = PACKAGE) -> list[Path]:
    """Return the compiled files of this Python present in `package`."""
    return [path for name in built_names() if (path := package / f"{name}{_suffix()}").exists()]


def stale_modules(package: Path = PACKAGE) -> list[str]:
    """Return the compiled modules whose source changed after they were compiled."""
    stale = []
    for module in MODULES:
        compiled, source = package / f"{module}{_suffix()}", package / f"{module}.py"
        if compiled.exists() and source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
            stale.append(module)
    return stale


def check(package: Path = PACKAGE) -> bool:
    """Return whether the compiled triage is present; raise StaleCompiledCore if it is stale or partial."""
    found = compiled_files(package)
    if not found:
        return False
    if len(found) != len(built_names()):
        present = {path.name for path in found}
        missing = [name for name in built_names() if f"{name}{_suffix()}" not in present]
        raise StaleCompiledCore(f"the compiled triage in {package} is incomplete (no {', '.join(missing)}): {FIX}")
    if stale := stale_modules(package):
        names = ", ".join(f"{module}.py" for module in stale)
        raise StaleCompiledCore(f"{names} changed after the triage was compiled: {FIX}")
    return True


def loaded_compiled() -> list[str]:
    """Return the triage modules imported so far from compiled extensions (for benchmarks)."""
    return [
        module for module in MODULES
        if (loaded := sys.modules.get(f"ingest.{module}")) is not None
        and str(getattr(loaded, "__file__", "")).endswith(_suffix())
    ]
