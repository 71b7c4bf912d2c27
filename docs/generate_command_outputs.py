"""Regenerate the command outputs the docs print, by running the commands they show.

A page marks each console block whose output is generated::

    <!-- output:start -->
    ```console
    $ escsim sweep baseline-2024-11 ... --out results/sweep-demo
    (what the command prints on stdout: written by this script)
    ```
    <!-- output:end -->

The script runs every ``$ escsim ...`` line of the page's marked blocks in order, in one
temporary working folder (so a later block reads the folders an earlier one wrote), and writes
each block back as its commands followed by what they printed on stdout (the progress bars go to
stderr and are not shown)::

    python docs/generate_command_outputs.py                # rewrite every page's blocks
    python docs/generate_command_outputs.py --check        # exit 1 if a page is out of date
    python docs/generate_command_outputs.py docs/sweeps.md # one page

``--check`` reruns the commands quickly (a tenth of the runs, fewer samples, no figures) and
compares the *shape* of what they print with the page: the set of lines with their numbers
masked, leaving out the lines whose words depend on the draws (which point is extreme, which box
PRIM finds). A page whose commands print other lines than it shows (a changed format, a removed
line, a renamed column) fails; ``tests/test_docs.py`` runs it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent
#: The pages whose marked blocks this script writes.
PAGES = (DOCS / "sweeps.md",)
START, END = "<!-- output:start -->", "<!-- output:end -->"
_BLOCK = re.compile(re.escape(START) + r"\n```console\n(.*?)```\n" + re.escape(END), re.S)
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?|\.\d+|nan|inf)")
#: Lines whose words (not only numbers) depend on the draws: left out of the quick check.
_DRAWN = re.compile(r"(min|max) at point|^box \(|^  \S+ (>=|<=|in) |\.png$|^(plots|report): ")


@dataclass(frozen=True)
class Block:
    """One marked console block: its commands (each as typed, continuation lines included)."""

    commands: tuple[str, ...]

    @staticmethod
    def parse(body: str) -> Block:
        commands: list[str] = []
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("$ "):
                typed = [lines[i]]
                while typed[-1].endswith("\\") and i + 1 < len(lines):
                    i += 1
                    typed.append(lines[i])
                commands.append("\n".join(typed))
            i += 1
        return Block(tuple(commands))


def arguments(typed: str, quick: bool) -> list[str] | None:
    """The arguments of ``escsim`` for a typed command (None: not run in a quick check)."""
    args = shlex.split(typed[2:].replace("\\\n", " "))
    if args[0] != "escsim":
        raise ValueError(f"not an escsim command: {typed}")
    args = args[1:]
    if not quick:
        return args
    if args[0] == "plot":
        return None  # it only redraws: its output is file names
    smaller = {"--runs": lambda n: max(2, n // 10), "--samples": lambda n: max(4, n // 8),
               "--bootstrap": lambda n: min(n, 50)}
    out = [a if i == 0 or args[i - 1] not in smaller else str(smaller[args[i - 1]](int(a)))
           for i, a in enumerate(args)]
    return [*out, *(["--no-plots", "--no-report"] if args[0] in ("sweep", "sensitivity",
                                                                  "run") else [])]


def run_block(block: Block, cwd: Path, quick: bool = False) -> str:
    """The block as the page shows it: each command, then what it printed."""
    shown: list[str] = []
    for typed in block.commands:
        shown.append(typed)
        args = arguments(typed, quick)
        if args is None:
            continue
        done = subprocess.run([sys.executable, "-m", "escsim.cli", *args], cwd=cwd,
                              capture_output=True, text=True, check=False,
                              env=_environment())
        if done.returncode != 0:
            raise RuntimeError(f"{typed}\nexited {done.returncode}: {done.stderr[-2000:]}")
        shown += done.stdout.rstrip("\n").splitlines()
    return "\n".join(shown) + "\n"


def _environment() -> dict[str, str]:
    import os

    return {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100"}


def generate(page: Path, quick: bool = False) -> str:
    """The page with every marked block's output regenerated."""
    text = page.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="escsim-docs-") as tmp:
        return _BLOCK.sub(lambda m: f"{START}\n```console\n"
                          + run_block(Block.parse(m.group(1)), Path(tmp), quick)
                          + f"```\n{END}", text)


def shape(body: str) -> list[str]:
    """What the quick check compares: each line with its numbers masked and spaces collapsed,
    without the lines whose words depend on the draws, in order and without repeats."""
    kept, drawn_indent = [], None
    for line in body.splitlines():
        indent = len(line) - len(line.lstrip())
        if drawn_indent is not None and indent > drawn_indent:
            continue  # a wrapped continuation of a line left out
        drawn_indent = None
        if _DRAWN.search(line.strip() if line.startswith("$") else line):
            drawn_indent = indent
            continue
        kept.append(" ".join(_NUMBER.sub("#", line).split()))
    return list(dict.fromkeys(line for line in kept if line))


def stale_blocks(page_text: str, rerun_text: str) -> list[tuple[list[str], list[str]]]:
    """The marked blocks of a page whose shape differs from a quick rerun's (``generate(page,
    quick=True)``), as (page's shape, rerun's shape)."""
    shown = [m.group(1) for m in _BLOCK.finditer(page_text)]
    rerun = [m.group(1) for m in _BLOCK.finditer(rerun_text)]
    if len(shown) != len(rerun):
        return [(["(blocks)"], ["(blocks)"])]
    return [(shape(a), shape(b)) for a, b in zip(shown, rerun, strict=True)
            if _comparable(shape(a)) != _comparable(shape(b))]


def _comparable(lines: list[str]) -> list[str]:
    """The lines compared, in any order (a table sorted by its values orders its rows by the
    draws), without the commands themselves."""
    return sorted({line for line in lines if not line.startswith("$")})


def main(argv: list[str]) -> int:
    pages = [Path(a).resolve() for a in argv if not a.startswith("--")] or list(PAGES)
    status = 0
    for page in pages:
        if "--check" in argv:
            for shown, rerun in stale_blocks(page.read_text(encoding="utf-8"),
                                             generate(page, quick=True)):
                status = 1
                sys.stdout.write(f"{page.name}: a block prints other lines than it shows; run "
                                 f"python docs/generate_command_outputs.py\n  page:  "
                                 + "\n         ".join(shown) + "\n  rerun: "
                                 + "\n         ".join(rerun) + "\n")
            continue
        page.write_text(generate(page), encoding="utf-8")
        sys.stdout.write(f"{page.relative_to(DOCS.parent)}: outputs written\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
