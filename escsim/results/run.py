"""The result folder of one scenario's runs (``escsim run``): its files, written and read back.

A run folder holds::

    manifest.json   what was run: scenario, seeds, versions, executor, sessions, timings
    runs.csv        one row per replication (the columns of escsim.engine.run_columns)
    daily.csv       per day and series: mean and 5/50/95% quantiles of the cumulative counts
    summary.json    rung probabilities with 95% intervals, count quantiles, run metadata
    plots/          figures (``escsim plot DIR`` redraws them)

It is streamed like a one-point sweep (:mod:`escsim.results.sweep`: chunk parts, then the tables),
so an interrupted run resumes and its memory stays flat in the number of runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.errors import InputError
from escsim.results.files import atomic_open
from escsim.results.runs_table import read_runs_file, runs_path

RUNS = "runs.csv"
DAILY = "daily.csv"
SUMMARY_JSON = "summary.json"


def read_runs(folder: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The run table of a result folder (only ``columns``, when given)."""
    path = runs_path(folder)
    if not path.is_file():
        raise InputError("no runs.csv in result folder", file=str(folder),
                         expected="a folder written by escsim run")
    return read_runs_file(path, columns)


def read_daily(folder: Path) -> pd.DataFrame:
    """The daily bands of a result folder."""
    return pd.read_csv(Path(folder) / DAILY)


def read_summary(folder: Path) -> dict[str, Any]:
    """The summary of a result folder."""
    with open(Path(folder) / SUMMARY_JSON, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def with_dates(bands: pd.DataFrame, start_date: dt.date) -> pd.DataFrame:
    """The daily bands with a ``date`` column after ``day`` (the table of ``daily.csv``)."""
    out = bands.copy()
    out.insert(1, "date", [str(start_date + dt.timedelta(days=int(d))) for d in out["day"]])
    return out


def write_daily(folder: Path, bands: pd.DataFrame, start_date: dt.date) -> Path:
    """Write ``daily.csv`` atomically."""
    path = Path(folder) / DAILY
    with atomic_open(path) as fh:
        with_dates(bands, start_date).to_csv(fh, index=False)
    return path
