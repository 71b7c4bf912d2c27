"""An interrupted ``escsim run`` resumes from its folder alone: SIGTERM stops it as Ctrl-C does
(finished chunks kept, exit 143), the hint it prints is the whole command, and that command
finishes the run with the arguments the folder recorded."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest


@pytest.mark.slow
def test_sigterm_then_resume_from_the_folder_alone(cli, tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc = subprocess.Popen([sys.executable, "-m", "escsim.cli", "run", "baseline-2024-11",
                             "--runs", "3000", "--horizon", "60", "--jobs", "1", "--out",
                             str(out), "--no-plots"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "chunks.jsonl").is_file() and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert f"Resume with:\n  escsim run --resume --out {out}" in err
    assert "..." not in err
    res = cli("run", "--resume", "--out", out, "--jobs", 1)
    assert res.exit_code == 0, (res.output, res.exception)
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 3000 and runs["replication"].is_unique
    assert "resuming: escsim run baseline-2024-11 --runs 3000 --horizon 60" in res.stderr


def test_a_folder_without_a_recorded_command_is_refused(cli, cli_input_error,
                                                        tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    cli_input_error(cli("run", "--resume", "--out", tmp_path / "empty"),
                    "not an interrupted escsim run")
