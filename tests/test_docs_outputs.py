"""The command outputs docs/sweeps.md prints are generated (docs/generate_command_outputs.py),
and a page whose commands now print other lines than it shows fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _generator():  # noqa: ANN202  (a script, loaded as a module)
    spec = importlib.util.spec_from_file_location("generate_command_outputs",
                                                  DOCS / "generate_command_outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sweeps_page_prints_what_its_commands_print() -> None:
    gen = _generator()
    page = DOCS / "sweeps.md"
    text = page.read_text(encoding="utf-8")
    assert text.count(gen.START) == 4  # the sweep, discover, sensitivity and uncertainty blocks
    rerun = gen.generate(page, quick=True)  # a tenth of the runs: the same lines, other numbers
    assert gen.stale_blocks(text, rerun) == []
    # and the check bites: a page with a renamed rung, or a line the commands no longer print
    renamed = text.replace("  8 regional_war", "  8 regional_conflict", 1)
    assert renamed != text and gen.stale_blocks(renamed, rerun)
    extra = text.replace("plots: 7 in results/sweep-demo/plots",
                         "plots: 7 in results/sweep-demo/plots\n30 points done", 1)
    assert extra != text and gen.stale_blocks(extra, rerun)


def test_the_shape_masks_numbers_and_draw_dependent_lines() -> None:
    gen = _generator()
    a = "  4 us_killed        0.11     0.18     0.34\n      min at point 22 (us-punitive)\n"
    b = "  4 us_killed       0.2  0.25  -0.5\n      min at point 3 (baseline-2024-11)\n"
    assert gen.shape(a) == gen.shape(b) == ["# us_killed # # #"]
    assert gen.shape("rung 6: 10.8% of 3,000 runs") == ["rung #: #% of # runs"]
    block = gen.Block.parse("$ escsim sweep a \\\n    --runs 100 --out x\nout\n$ escsim plot x\n")
    assert block.commands == ("$ escsim sweep a \\\n    --runs 100 --out x", "$ escsim plot x")
    assert gen.arguments(block.commands[0], quick=True) == [
        "sweep", "a", "--runs", "10", "--out", "x", "--no-plots", "--no-report"]
    assert gen.arguments(block.commands[1], quick=True) is None
