"""Atomic outputs: every file dvtools writes is replaced whole or not at all (issue 10, item 3)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import dvtools
from dvtools.artifacts import save_statistics
from dvtools.io import files
from dvtools.io.files import atomic_open, write_bytes, write_text

ROOT = Path(dvtools.__file__).parent


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_replaces_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_text(target, '{"new": true}')
    assert target.read_text() == '{"new": true}'
    assert _leftovers(tmp_path) == []


def test_new_file_gets_umask_permissions_like_open(tmp_path: Path) -> None:
    write_bytes(tmp_path / "a.bin", b"x")
    (tmp_path / "b.bin").write_bytes(b"x")
    assert (tmp_path / "a.bin").stat().st_mode == (tmp_path / "b.bin").stat().st_mode


def test_failed_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "stats.json"
    target.write_text("previous good content")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        save_statistics(dvtools.compute_statistics(pd.DataFrame({"a": [1, 2]})), target)
    assert target.read_text() == "previous good content"
    assert _leftovers(tmp_path) == []


def test_exception_inside_atomic_open_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write(b"half a rep")
        raise RuntimeError("interrupted")
    assert target.read_text() == "previous"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_writer_leaves_previous_file_intact(tmp_path: Path, sig: int) -> None:
    target = tmp_path / "out.json"
    target.write_text('{"previous": true}')
    code = textwrap.dedent(f"""
        import os, signal
        from dvtools.io.files import atomic_open
        with atomic_open({str(target)!r}) as fh:
            fh.write(b'{{"new": ')
            fh.flush()
            os.kill(os.getpid(), {int(sig)})
    """)
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT.parent)},
                          capture_output=True, timeout=60)
    assert proc.returncode == -sig
    assert json.loads(target.read_text()) == {"previous": True}


def test_concurrent_cli_writers_leave_one_valid_statistics_file(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": range(2000), "b": ["x", "y"] * 1000}).to_csv(data, index=False)
    out = tmp_path / "stats.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    cmd = [sys.executable, "-m", "dvtools.cli", "stats", str(data), "-o", str(out)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert json.loads(out.read_text())["format"].startswith("dvtools")
    assert _leftovers(tmp_path) == []


_WRITE_CALL = re.compile(r"\.write_(text|bytes)\(|open\([^)]*['\"][wax]b?['\"]|ParquetWriter\(|mkstemp\(|mkdtemp\(")


def test_only_dvtools_io_writes_files() -> None:
    """The class of problem: a writer outside ``dvtools/io`` would bypass atomic replacement."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "io":
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if _WRITE_CALL.search(line):
                offenders.append(f"{rel}:{lineno}: {line.strip()}")
    pages = ROOT.parent / "pages"
    for path in sorted([*pages.glob("*.py"), ROOT.parent / "app.py"]):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if _WRITE_CALL.search(line):
                offenders.append(f"{path.name}:{lineno}: {line.strip()}")
    assert offenders == []
