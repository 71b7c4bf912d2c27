"""The house's layers hold: the import contracts of pyproject.toml (import-linter) are kept,
every module of escsim is inside one of them, and the contract does catch an import that runs
back up a layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package found from ``cwd`` (a fresh process: no import cache)."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
            "no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)}, timeout=300)


def test_import_contracts_are_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_is_in_a_layer() -> None:
    """A new top-level module or package must be placed in the layers, not slip past them."""
    layers = next(c for c in CONFIG["contracts"] if c["type"] == "layers")["layers"]
    placed = {m.strip() for layer in layers for m in layer.split("|")}
    package = ROOT / "escsim"
    found = {f"escsim.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    found |= {f"escsim.{p.parent.name}" for p in package.glob("*/__init__.py")}
    assert found == placed


def test_an_import_back_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    """The check bites: the vocabulary importing the command line is reported as broken."""
    shutil.copytree(ROOT / "escsim", tmp_path / "escsim",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    records = tmp_path / "escsim" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "\nimport escsim.cli  # noqa\n",
                       encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "escsim.records -> escsim.cli" in result.stdout


@pytest.mark.parametrize("forbidden", ["escsim.analysis.format", "escsim.plotting",
                                       "escsim.engine", "escsim.model.world",
                                       "escsim.tail.report"])
def test_a_lazy_import_in_the_command_line_breaks_the_thin_cli_contract(tmp_path: Path,
                                                                        forbidden: str) -> None:
    """The thin-CLI contract bites on an import inside a function too (the way the commands
    import, to start fast): the command line does no analysis, plotting or simulation itself."""
    shutil.copytree(ROOT / "escsim", tmp_path / "escsim",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    commands = tmp_path / "escsim" / "cli" / "main.py"
    commands.write_text(commands.read_text(encoding="utf-8")
                        + f"\n\ndef _lazy() -> None:\n    import {forbidden}  # noqa\n",
                        encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "The command line is thin" in result.stdout and "BROKEN" in result.stdout
    assert f"escsim.cli.main -> {forbidden}" in result.stdout


@pytest.mark.parametrize("module", ["escsim.records", "escsim.errors", "escsim.version"])
def test_the_vocabulary_imports_nothing_of_escsim(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    text = path.read_text(encoding="utf-8")
    assert "from escsim" not in text and "import escsim" not in text


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"]])
def test_starting_the_command_line_imports_no_heavy_library(args: list[str]) -> None:
    """Fast start, checked by what is imported rather than by a clock: ``escsim --help`` and
    ``--version`` load neither numpy, pandas, scipy, SimPy nor matplotlib (each command imports
    what it needs when it runs; benchmarks/bench_cli.py measures the time)."""
    code = ("import sys\nfrom escsim.cli import main\ntry:\n    main(" + repr(args) + ")\n"
            "except SystemExit:\n    pass\n"
            "heavy = {'numpy', 'pandas', 'scipy', 'simpy', 'matplotlib'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
