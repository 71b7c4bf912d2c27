"""What makes a result folder self-describing: the command, the versions, the resolved scenarios.

Every result folder (``escsim run``, ``sweep``, ``sensitivity``, ``backtest``, ``calibrate``)
keeps in its ``manifest.json`` the command line that made it, the versions of escsim, Python and
the libraries that shape its numbers, the code hash, the root seed, and per scenario its source,
overrides and parameter hash; beside it, each resolved scenario as TOML (``scenario.toml``, or
``scenarios/<name>.toml`` for several) that ``escsim run`` loads back to the same parameters.

Paths written here are relative (to the working directory, or ``scenarios/...`` for bundled
files): a folder can be moved, shared or published without leaking the author's file system.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shlex
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from escsim.invocation import arguments, set_arguments
from escsim.paths import scenarios_dir, seeds_dir
from escsim.results.files import atomic_write_text
from escsim.scenario.dump import scenario_toml
from escsim.scenario.schema import Scenario
from escsim.version import __version__

#: The libraries whose versions a manifest records (what shapes the numbers and the figures).
LIBRARIES = ("numpy", "scipy", "simpy", "pandas", "matplotlib", "click")

#: The resolved scenario of a one-scenario folder; several go in ``scenarios/<name>.toml``.
SCENARIO_TOML = "scenario.toml"
SCENARIOS_DIR = "scenarios"

def set_command(args: Sequence[str]) -> None:
    """Record the arguments of the running ``escsim`` command (what the CLI does, through
    :mod:`escsim.invocation`)."""
    set_arguments(args)


def command() -> list[str] | None:
    """The recorded command as a list of words, absolute paths made relative (None outside the
    CLI)."""
    args = arguments()
    if args is None:
        return None
    words = ["escsim"]
    for i, arg in enumerate(args):
        if i and args[i - 1] in _OUT_OPTIONS:
            words.append(_out_arg(arg))
        elif arg.startswith(tuple(f"{o}=" for o in _OUT_OPTIONS)):
            opt, _, value = arg.partition("=")
            words.append(f"{opt}={_out_arg(value)}")
        else:
            words.append(_relative_arg(arg))
    return words


#: The options that name a command's output folder.
_OUT_OPTIONS = ("--out", "-o")


def _out_arg(value: str) -> str:
    """An output folder as a result records it: as typed when relative, relative when below the
    working directory, else the folder's own name (never ``../../...``, which says neither what
    was typed nor keeps the sharer's folders out of what is shared)."""
    if not os.path.isabs(value):
        return value
    try:
        return Path(value).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(value).name or value


def command_line() -> str:
    """The recorded command as one shell line ('' outside the CLI)."""
    words = command()
    return shlex.join(words) if words else ""


def _relative_arg(arg: str) -> str:
    """An argument with an absolute path in it made relative to the working directory."""
    if "=" in arg and arg.startswith("--"):
        opt, _, value = arg.partition("=")
        return f"{opt}={_relative_arg(value)}"
    return display_path(arg) if os.path.isabs(arg) else arg


def display_path(path: str | Path) -> str:
    """``path`` as written into a result: relative to the working directory when it is below
    it, ``scenarios/...`` or ``seeds/...`` for a bundled file, else relative to the working
    directory anyway (``../...``): never absolute."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        pass
    for name, root in (("scenarios", scenarios_dir()), ("seeds", seeds_dir())):
        try:
            return f"{name}/" + p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    try:
        return Path(os.path.relpath(p, Path.cwd())).as_posix()
    except ValueError:  # another drive (Windows)
        return p.name


def versions() -> dict[str, str]:
    """escsim, Python and :data:`LIBRARIES` versions."""
    out = {"escsim": __version__, "python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def code_hash() -> str:
    """Hash of the model and engine source: a resumed sweep must run the same code, and a
    result says which code made it."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted([root / "engine.py", *(root / "model").glob("*.py")]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def scenario_file_name(scenarios: Sequence[Scenario], index: int) -> str:
    """Where scenario ``index`` of a folder's scenarios is written (relative to the folder)."""
    if len(scenarios) == 1:
        return SCENARIO_TOML
    return f"{SCENARIOS_DIR}/{scenarios[index].scenario.name}.toml"


def describe_scenarios(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Per scenario: name, source (relative), overrides, parameter hash, resolved file."""
    return [{"name": s.scenario.name, "source": display_path(s.source) if s.source else "",
             "overrides": [f"{k}={v}" for k, v in s.overrides], "param_hash": s.param_hash,
             "start_date": str(s.scenario.start_date),
             "horizon_days": s.scenario.horizon_days,
             "resolved": scenario_file_name(scenarios, i)}
            for i, s in enumerate(scenarios)]


def write_scenarios(folder: Path, scenarios: Sequence[Scenario]) -> list[str]:
    """Write each resolved scenario as TOML into ``folder``; the relative names written."""
    names = []
    header = f"Command: {command_line()}" if command_line() else ""
    for i, s in enumerate(scenarios):
        name = scenario_file_name(scenarios, i)
        atomic_write_text(Path(folder) / name, scenario_toml(s, header=header))
        names.append(name)
    return names


def provenance(scenarios: Sequence[Scenario], root_seed: int | None,
               title: str | None = None) -> dict[str, Any]:
    """The manifest entries every result folder shares."""
    return {
        "title": title or default_title(scenarios),
        "command": command_line(),
        "versions": versions(),
        "code_hash": code_hash(),
        "root_seed": root_seed,
        "scenarios": describe_scenarios(scenarios),
        "caveat": CAVEAT,
    }


#: What every result says of itself.
CAVEAT = ("These results explore the consequences of the stated assumptions (the scenario "
          "values and their sources); they are not forecasts.")


def default_title(scenarios: Sequence[Scenario]) -> str:
    """``baseline-2024-11``, ``baseline-2024-11+2-overrides`` or the names joined."""
    return " vs ".join(variant_name(s) for s in scenarios)


def variant_name(s: Scenario) -> str:
    """A scenario's name, marked when overrides changed it (``NAME+2-overrides``); a changed
    horizon is named as such (``NAME+180d``), not counted as an override."""
    horizon = [v for k, v in s.overrides if k == "scenario.horizon_days"]
    n = len(s.overrides) - len(horizon)
    name = s.scenario.name + (f"+{float(horizon[-1]):g}d" if horizon else "")
    return name + (f"+{n}-override{'s' if n > 1 else ''}" if n else "")


def write_folder_manifest(folder: Path, kind: str, scenarios: Sequence[Scenario],
                          root_seed: int | None, title: str | None = None,
                          subfolders: bool = False, **extra: Any) -> None:
    """``manifest.json`` and the resolved scenarios of a folder written whole (backtest,
    calibrate, a comparison): what :mod:`escsim.sweep.run` records for runs and sweeps. With
    ``subfolders`` (a comparison) each scenario's resolved file is in its own run folder."""
    import datetime as dt

    from escsim.results.files import write_json

    shared = provenance(scenarios, root_seed, title)
    if subfolders:
        for entry in shared["scenarios"]:
            entry["resolved"] = f"{entry['name']}/{SCENARIO_TOML}"
    else:
        write_scenarios(folder, scenarios)
    write_json(Path(folder) / "manifest.json",
               {"kind": kind, "status": "complete",
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                **shared, **extra})
