"""Files escsim writes are readable as the umask says (the atomic writer's temporary files
start owner-only; the result must not stay so): a shared report can be read by others."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_run_folder_follows_the_umask(cli, tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "run"
    res = cli("run", "baseline-2024-11", "--runs", 4, "--horizon", 20, "--jobs", 1,
              "--out", out)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in files)
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
    for p in (p for p in out.rglob("*") if p.is_dir()):
        assert stat.S_IMODE(p.stat().st_mode) == 0o755, p


def test_a_stricter_umask_is_kept(tmp_path: Path) -> None:
    from escsim.results.files import atomic_folder, atomic_write_text, umask_mode

    old = os.umask(0o077)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        with atomic_folder(tmp_path / "f") as tmp:
            (tmp / "b.txt").write_text("y", encoding="utf-8")
        assert umask_mode() == 0o600 and umask_mode(directory=True) == 0o700
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o700
