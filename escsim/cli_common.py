"""What every ``escsim`` command shares: the error convention, common options, scenario loading.

Bad input (:class:`~escsim.errors.InputError`) becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from escsim.errors import InputError


class EscsimGroup(click.Group):
    """A Click group that turns :class:`InputError` into one stderr line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"escsim: error: {exc}", err=True)
            ctx.exit(2)


set_option: Callable[[Any], Any] = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a parameter by its dotted key (repeatable), e.g. "
         "--set us_policy.preset=punitive.")
jobs_option: Callable[[Any], Any] = click.option(
    "--jobs", "-j", type=click.IntRange(1), help="Worker processes [default: cores].")


def load_scenario_arg(ref: str, overrides: tuple[str, ...] | list[str],
                      horizon: float | None = None) -> Any:
    """Load a scenario named on the command line, with ``--set`` and ``--horizon`` applied."""
    from escsim.scenario import load_scenario

    items = list(overrides)
    if horizon is not None:
        items.append(f"scenario.horizon_days={horizon}")
    return load_scenario(ref, items)


def jobs_or_cores(jobs: int | None) -> int:
    """``--jobs``, or the cores this process may use."""
    from escsim.executors import available_cores

    return jobs if jobs is not None else available_cores()


def process_executor(jobs: int | None) -> Any:
    """The command line's default executor: a local process pool (serial for one job)."""
    from escsim.executors import make_executor

    return make_executor("process", jobs_or_cores(jobs))


def check_out(target: Path, force: bool) -> None:
    """Refuse to write over an existing result unless ``--force``."""
    if target.exists() and not force:
        raise InputError("output folder exists; use --force to replace it or --out to choose "
                         "another", file=str(target))


def progress(total: int, label: str) -> Any:
    """A progress bar on stderr."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                             show_eta=True, show_percent=True)
