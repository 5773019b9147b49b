"""Compile the triage's modules with mypyc, an optional step that makes the triage about 1.2x faster.

    python scripts/compile_core.py           # build the compiled modules into ingest/
    python scripts/compile_core.py --clean   # remove them: back to pure Python
    python scripts/compile_core.py --status  # say which modules are compiled, and whether current

mypyc (part of mypy: the `compiled` extra) turns the type-annotated modules listed in
`ingest.compiled_core.MODULES` into C extensions. Python then imports
`ingest/<module>.cpython-*.so` in place of `ingest/<module>.py`. Nothing else changes: the
same code, the same answers (tests/ingest/test_compiled_core.py compiles a copy and compares
its triage of dev texts with the pure-Python one). It needs a C compiler and Python's headers
(Debian: `apt install gcc python3-dev`).

A compiled module is a snapshot of its source. `ingest.compiled_core.check()`, run when
`ingest` is imported, refuses a compiled module older than its source: compile again after
editing, or clean.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "ingest"
# Loaded from its file, not as ingest.compiled_core: importing `ingest` refuses a stale build,
# which is what this script is run to replace.
_spec = importlib.util.spec_from_file_location("_lapor_compiled_core", PACKAGE / "compiled_core.py")
assert _spec is not None and _spec.loader is not None
core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(core)
GROUP, MODULES, built_names, compiled_files, stale_modules = (
    core.GROUP, core.MODULES, core.built_names, core.compiled_files, core.stale_modules
)
SETUP = """
from setuptools import setup
from mypyc.build import mypycify

setup(
    name="lapor-triage-core",
    ext_modules=mypycify({paths!r}, group_name={group!r}, opt_level="3"),
    script_args=["build_ext", "--inplace"],
)
"""


def build(package: Path = PACKAGE, verbose: bool = False) -> list[Path]:
    """Compile MODULES of `package` in a scratch copy; copy the extensions into `package`."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    with tempfile.TemporaryDirectory(prefix="lapor-mypyc-") as scratch:
        work = Path(scratch)
        shutil.copytree(package, work / "ingest", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        (work / "mypy.ini").write_text("[mypy]\nignore_missing_imports = True\n", encoding="utf-8")
        paths = [f"ingest/{module}.py" for module in MODULES]
        (work / "setup.py").write_text(SETUP.format(paths=paths, group=GROUP), encoding="utf-8")
        done = subprocess.run([sys.executable, "setup.py"], cwd=work, capture_output=not verbose, text=True)
        if done.returncode != 0:
            output = (done.stdout or "")[-3000:] + (done.stderr or "")[-3000:]
            raise SystemExit(f"mypyc failed (a C compiler and Python's headers are needed):\n{output}")
        clean(package)
        built = [work / "ingest" / f"{name}{suffix}" for name in built_names()]
        missing = [path.name for path in built if not path.exists()]
        if missing:
            raise SystemExit(f"mypyc did not build {', '.join(missing)}")
        copied = []
        for path in built:
            target = package / path.name
            shutil.copy2(path, target)
            copied.append(target)
        return copied


def clean(package: Path = PACKAGE) -> list[Path]:
    """Remove the compiled modules from `package`; return what was removed."""
    removed = compiled_files(package)
    for path in removed:
        path.unlink()
    return removed


def main(argv: list[str] | None = None) -> int:
    """Build, clean or report the compiled modules."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--clean", action="store_true", help="remove the compiled modules")
    action.add_argument("--status", action="store_true", help="say which modules are compiled")
    parser.add_argument("--verbose", action="store_true", help="show mypyc's and the compiler's output")
    args = parser.parse_args(argv)
    if args.clean:
        removed = clean()
        print(f"removed {len(removed)} compiled modules: the triage runs as pure Python")
        return 0
    if args.status:
        found = compiled_files(PACKAGE)
        stale = stale_modules(PACKAGE)
        print(f"{len(found)} compiled files in ingest/" + (f"; older than their source: {', '.join(stale)}" if stale else ""))
        return 1 if stale else 0
    copied = build(verbose=args.verbose)
    print(f"compiled {len(MODULES)} modules with mypyc into ingest/ ({len(copied)} files); "
          "`python scripts/compile_core.py --clean` goes back to pure Python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
