"""The optional compiled triage (scripts/compile_core.py): the same answers, and never stale."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ingest import compiled_core
from ingest.compiled_core import MODULES, StaleCompiledCore, check, stale_modules

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
ODD = ["", "   ", "🙂🙂🙂", "\u202eRTL\u202c \u200bzero width", "x" * 25_000, "ok", "cek dm", "Jaksel banjir",
       "g0bl0k 4njing lu", "@a https://t.co/x 0812 3456 7890 a@b.co NIK 1371015203880000", "دولة ภาษาไทย 中文"]


def _package(tmp_path: Path, compiled: tuple[str, ...]) -> Path:
    """Return a fake package holding every module's source and the given compiled files."""
    package = tmp_path / "ingest"
    package.mkdir()
    for module in MODULES:
        (package / f"{module}.py").write_text("", encoding="utf-8")
    for name in compiled:
        (package / f"{name}{SUFFIX}").write_bytes(b"")
    return package


ALL_COMPILED = (*MODULES, "_triage_core__mypyc")


def test_no_compiled_modules_is_plain_python(tmp_path):
    assert check(_package(tmp_path, ())) is False


def test_a_complete_current_build_is_accepted(tmp_path):
    package = _package(tmp_path, ALL_COMPILED)
    for name in ALL_COMPILED:  # compiled after the sources were written
        os.utime(package / f"{name}{SUFFIX}", (2_000_000_000, 2_000_000_000))
    assert check(package) is True


def test_a_source_edited_after_compiling_is_refused_with_the_fix(tmp_path):
    package = _package(tmp_path, ALL_COMPILED)
    for name in ALL_COMPILED:
        os.utime(package / f"{name}{SUFFIX}", (1_000_000_000, 1_000_000_000))
    os.utime(package / "flags.py", (1_500_000_000, 1_500_000_000))
    for module in MODULES:
        if module != "flags":
            os.utime(package / f"{module}.py", (900_000_000, 900_000_000))
    assert stale_modules(package) == ["flags"]
    with pytest.raises(StaleCompiledCore, match=r"flags\.py changed after .*scripts/compile_core\.py"):
        check(package)


def test_an_incomplete_build_is_refused(tmp_path):
    package = _package(tmp_path, ("classify", "model"))
    with pytest.raises(StaleCompiledCore, match="incomplete .*_triage_core__mypyc"):
        check(package)


def _compile_skip_reason() -> str | None:
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (the mypy package) is not installed"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "Python's headers (Python.h) are not installed"
    return None


def _texts() -> list[str]:
    texts = list(ODD)
    for name, rows in (("tweets_kind_dev.csv", 250), ("complaints_dev.csv", 250)):
        path = DATA_DIR / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                texts += [row["text"] for row, _ in zip(csv.DictReader(handle), range(rows))]
    return texts


TRIAGE_ALL = """
import json, sys
from ingest.compiled_core import loaded_compiled
from ingest.triage import triage_text, warm_up
warm_up()
texts = json.load(open(sys.argv[1], encoding="utf-8"))
out = [repr(triage_text(text, lang)) for lang in ("in", None, "en") for text in texts]
print(json.dumps({"compiled": loaded_compiled(), "triage": out}))
"""


def _triage_in(root: Path, texts_file: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", TRIAGE_ALL, str(texts_file)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.skipif(_compile_skip_reason() is not None, reason=str(_compile_skip_reason()))
def test_the_compiled_triage_gives_the_same_answers_as_the_sources(tmp_path):
    """Compile a copy of the package with the shipped script; triage the same texts both ways."""
    spec = importlib.util.spec_from_file_location("compile_core", REPO_ROOT / "scripts" / "compile_core.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    plain, built = tmp_path / "plain", tmp_path / "built"
    for root in (plain, built):
        shutil.copytree(REPO_ROOT / "ingest", root / "ingest", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    copied = script.build(package=built / "ingest")
    assert sorted(path.name for path in copied) == sorted(f"{name}{SUFFIX}" for name in ALL_COMPILED)
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(_texts()), encoding="utf-8")
    expected, found = _triage_in(plain, texts_file), _triage_in(built, texts_file)
    assert expected["compiled"] == [] and found["compiled"] == sorted(MODULES)
    assert len(found["triage"]) == 3 * len(_texts())
    assert found["triage"] == expected["triage"]


def test_the_guard_runs_when_ingest_is_imported():
    """ingest/__init__.py calls the guard: a stale build stops the bot before it loads the triage."""
    source = (REPO_ROOT / "ingest" / "__init__.py").read_text(encoding="utf-8")
    assert "_check_compiled_core()" in source
    assert compiled_core.PACKAGE == REPO_ROOT / "ingest"


def test_the_command_line_says_in_one_line_that_the_build_is_stale(tmp_path):
    """`lapor-bot` (any command: it imports `bot`) exits with the fix, not a traceback."""
    for package in ("bot", "ingest"):
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    for name in ALL_COMPILED:  # never loaded: the guard stops the import first
        (tmp_path / "ingest" / f"{name}{SUFFIX}").write_bytes(b"")
        os.utime(tmp_path / "ingest" / f"{name}{SUFFIX}", (1_000_000_000, 1_000_000_000))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "import bot.cli"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("lapor-bot: ") and "changed after the triage was compiled" in done.stderr
    assert "Traceback" not in done.stderr
