"""Shared fixtures: scenarios written to temporary files, the CLI runner, error-message checks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")  # plots in tests never need a display

import pytest  # noqa: E402
from click.testing import CliRunner, Result  # noqa: E402

import escsim  # noqa: E402
from escsim.cli import main  # noqa: E402

#: Outcome classes of an attack, in the order of escsim.scenario.schema.OUTCOME_CLASSES.
OUTCOMES = ("intercepted", "miss", "damage", "injuries", "fatalities")


@pytest.fixture(scope="session")
def surge() -> escsim.Scenario:
    """The calibration scenario, loaded once."""
    return escsim.load_scenario("surge-2023")


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write ``text`` (str, or bytes for encoding tests) to ``tmp_path/NAME.toml``."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / f"{name}.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Invoke ``escsim ARGS`` in-process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=True)

    return invoke


def check_cli_input_error(result: Result, *fragments: str) -> str:
    """The contract for bad input on the command line: exit code 2, exactly one line on stderr
    that names what went wrong (each of ``fragments``), nothing on stdout, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("escsim: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return line


@pytest.fixture
def cli_input_error() -> Callable[..., str]:
    return check_cli_input_error


def find_leftovers(folder: Path, name: str) -> list[Path]:
    """``folder/name`` and any hidden partial or old copies of it a failed run could leave."""
    return [p for p in folder.iterdir() if p.name == name or p.name.startswith(f".{name}.")]


@pytest.fixture
def leftovers() -> Callable[[Path, str], list[Path]]:
    return find_leftovers


class InterruptingExecutor:
    """A serial executor that raises Ctrl-C (KeyboardInterrupt) before its ``after``-th chunk:
    an interruption at a chosen moment, for resume tests."""

    name = "serial"
    workers = 1

    def __init__(self, after: int):
        self.after = after

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for i, item in enumerate(items):
            if i == self.after:
                raise KeyboardInterrupt
            yield fn(item)

    def close(self) -> None:
        pass


@pytest.fixture
def interrupt_after() -> type[InterruptingExecutor]:
    """The executor class that interrupts after a given number of chunks."""
    return InterruptingExecutor


@pytest.fixture
def copy(made: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of one of the module's ``made`` result folders (a test may damage it)."""
    def make(kind: str) -> Path:
        target = tmp_path / kind
        shutil.copytree(made[kind], target)
        return target

    return make
