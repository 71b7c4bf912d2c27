"""What every ``escsim`` command shares: the error convention, common options, scenario loading,
executors and progress.

Bad input (:class:`~escsim.errors.InputError`) becomes one line on stderr and exit code 2.
Options used by several commands are declared here once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from escsim.errors import InputError


class EscsimGroup(click.Group):
    """A Click group that turns :class:`InputError` into one stderr line and exit code 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from escsim.invocation import set_arguments

        set_arguments(args)  # every result folder records the command that made it
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            check_environment()
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"escsim: error: {exc}", err=True)
            ctx.exit(2)


#: Matplotlib's built-in backends (``matplotlib.rcsetup``), accepted without importing it.
_STANDARD_BACKENDS = frozenset({
    "agg", "cairo", "pdf", "pgf", "ps", "svg", "template", "gtk3agg", "gtk3cairo", "gtk4agg",
    "gtk4cairo", "macosx", "nbagg", "notebook", "qtagg", "qtcairo", "qt5agg", "qt5cairo",
    "tkagg", "tkcairo", "webagg", "wx", "wxagg", "wxcairo",
})


def check_environment() -> None:
    """The environment variables escsim's libraries read, checked before any work: an invalid
    ``MPLBACKEND`` makes ``import matplotlib`` fail, which would otherwise surface as a traceback
    after the whole simulation, when the plots are drawn."""
    backend = os.environ.get("MPLBACKEND")
    if backend and backend.lower() not in _STANDARD_BACKENDS:
        # only an unusual name costs the import of matplotlib (and numpy): a command's start-up
        # stays light with the usual MPLBACKEND=Agg
        try:
            import matplotlib  # noqa: F401  (reads MPLBACKEND when first imported)
        except ValueError:
            raise InputError("not a matplotlib backend", key="MPLBACKEND", value=backend,
                             expected="a backend such as Agg, or MPLBACKEND unset") from None


class Output:
    """How much a command says: ``-q`` (only errors), ``-v`` (also what it does step by step),
    ``--json`` (one machine-readable summary on stdout, nothing else there)."""

    def __init__(self) -> None:
        self.quiet = False
        self.verbose = False
        self.json = False
        self.report = True

    def set(self, name: str, value: bool) -> None:
        setattr(self, name, bool(value))


#: The output settings of the running command.
OUTPUT = Output()


def echo(text: str = "", err: bool = False) -> None:
    """A line for the reader: on stdout (or stderr), unless ``-q`` or ``--json``."""
    if OUTPUT.quiet or (OUTPUT.json and not err):
        return
    click.echo(text, err=err)


def detail(text: str) -> None:
    """A line shown only with ``-v`` (on stderr, so --json output stays clean)."""
    if OUTPUT.verbose and not OUTPUT.quiet:
        click.echo(text, err=True)


def emit_json(data: Any) -> None:
    """With ``--json``: ``data`` as JSON on stdout (the command's machine-readable summary)."""
    if OUTPUT.json:
        import json

        click.echo(json.dumps(data, indent=2, default=str))


class _SilentBar:
    """A progress bar that shows nothing (``-q``)."""

    def __enter__(self) -> _SilentBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def update(self, n: int, current_item: Any = None) -> None:
        return None


def progressbar(**options: Any) -> Any:
    """``click.progressbar`` on stderr, or nothing with ``-q``."""
    if OUTPUT.quiet:
        return _SilentBar()
    return click.progressbar(file=sys.stderr, **options)


def add_output_options(command: click.Command) -> None:
    """Give ``command`` the options ``-q/--quiet``, ``-v/--verbose`` and ``--json``."""
    def setter(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
        def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
            OUTPUT.set(name, value)
        return callback

    command.params.extend([
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                     callback=setter("quiet"), help="Print nothing but errors."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, is_eager=True,
                     callback=setter("verbose"), help="Also say what is done, step by step."),
        click.Option(["--json", "json_output"], is_flag=True, expose_value=False,
                     is_eager=True, callback=setter("json"),
                     help="Print a machine-readable summary (JSON) on stdout, nothing else."),
    ])


def _no_report(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    OUTPUT.report = not value


#: ``--no-report``: skip report.html (read through :data:`OUTPUT`).
report_option: Callable[[Any], Any] = click.option(
    "--no-report", is_flag=True, expose_value=False, callback=_no_report,
    help="Skip report.html (escsim report DIR writes it).")


set_option: Callable[[Any], Any] = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a parameter by its dotted key (repeatable), e.g. "
         "--set us_policy.preset=punitive.")


def horizon_option(whose: str = "each scenario's") -> Callable[[Any], Any]:
    """``--horizon DAYS``: override the horizon of ``whose`` (1 to 3650 days)."""
    return click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
                        help=f"Override {whose} horizon (days).")


def executor_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--executor``, ``--jobs`` and ``--scheduler``: where a command's chunks run."""
    for opt in reversed([
        click.option("--executor", type=click.Choice(["process", "serial", "dask"]),
                     default="process", show_default=True,
                     help="Where chunks run: a local process pool, this process, or Dask."),
        click.option("--jobs", "-j", type=click.IntRange(1),
                     help="Workers [default: cores; for a Dask scheduler, its workers]."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address (e.g. tcp://10.0.0.5:8786); without it "
                          "--executor dask starts a local Dask cluster."),
    ]):
        f = opt(f)
    return f


def out_options(default: str, resume: str | None = None) -> Callable[[Any], Any]:
    """``--out`` (default folder named in the help), ``--force``, ``--no-plots`` and, for
    commands that stream and resume, ``--resume`` (``resume`` is its help)."""
    opts = [
        click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
                     help=f"Output folder [default: {default}]."),
        click.option("--force", is_flag=True, help="Replace an existing output folder."),
        *([click.option("--resume", is_flag=True, help=resume)] if resume else []),
        click.option("--no-plots", is_flag=True, help="Skip the PNG plots."),
    ]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(opts):
            f = opt(f)
        return f

    return decorate


def tail_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--tail``, ``--rung``, ``--tail-repetitions``, ``--tail-effort``: a rare rung estimated by
    multilevel splitting beside the plain estimate."""
    for opt in reversed([
        click.option("--tail", "tail_method", default="none", show_default=True,
                     type=click.Choice(["none", "splitting"]),
                     help="Also estimate the probability of a rare rung by multilevel "
                          "splitting (docs/howto/estimate-a-rare-rung.md)."),
        click.option("--rung", type=click.IntRange(1), metavar="K",
                     help="The rung --tail estimates [default: the ladder's top]."),
        click.option("--tail-repetitions", default=20, show_default=True,
                     type=click.IntRange(2),
                     help="Independent repetitions of the splitting estimate (its interval)."),
        click.option("--tail-effort", default=500, show_default=True, type=click.IntRange(1),
                     help="Histories per level in each repetition."),
    ]):
        f = opt(f)
    return f


def check_tail(scenarios: list[Any], method: str, rung: int | None,
               uncertainty: str) -> list[int | None]:
    """The rung ``--tail`` estimates in each scenario, checked before anything runs."""
    if method == "none":
        if rung is not None:
            raise click.UsageError("--rung needs --tail splitting")
        return [None] * len(scenarios)
    if uncertainty != "none":
        raise click.UsageError("--tail splitting estimates chance for the scenario as given; "
                               "it cannot be combined with --parameter-uncertainty")
    from escsim.tail.report import check_tail_request

    return [check_tail_request(s, rung) for s in scenarios]


def load_scenario_arg(ref: str, overrides: tuple[str, ...] | list[str],
                      horizon: float | None = None) -> Any:
    """Load a scenario named on the command line, with ``--set`` and ``--horizon`` applied."""
    from escsim.scenario import load_scenario

    items = list(overrides)
    if horizon is not None:
        items.append(f"scenario.horizon_days={horizon}")
    return load_scenario(ref, items)


#: Most local worker processes per available core (each is a whole Python process).
MAX_JOBS_PER_CORE = 8


def make_cli_executor(kind: str, jobs: int | None, scheduler: str | None) -> Any:
    """The executor of ``--executor/--jobs/--scheduler`` (a context manager)."""
    from escsim.executors import available_cores, make_executor

    if scheduler and kind != "dask":
        raise InputError("--scheduler needs --executor dask", key="--scheduler",
                         value=scheduler, expected="--executor dask --scheduler ADDRESS")
    if kind == "process" and jobs is None:
        jobs = available_cores()
    local = kind == "process" or (kind == "dask" and not scheduler)
    most = MAX_JOBS_PER_CORE * available_cores()
    if local and jobs is not None and jobs > most:
        raise InputError("more local workers than this machine can run", key="--jobs",
                         value=jobs, expected=f"at most {most} ({MAX_JOBS_PER_CORE} per core "
                                              f"of the {available_cores()} available)")
    return make_executor(kind, jobs, scheduler)


def output_folder(out: Path | None, default: str, force: bool = False,
                  resume: bool = False) -> Path:
    """``--out``, else ``results/<default>``. A default folder that exists already is neither
    written over nor refused: the next free name (``NAME-2``, ``NAME-3``, ...) is used, and said
    on stderr, so re-running a command works; ``--force`` replaces it, ``--resume`` finishes it,
    and a given ``--out`` is checked as given (:func:`check_out`)."""
    if out is not None:
        return out
    target = Path("results") / default
    if force or resume or not target.exists():
        return target
    free = next(target.with_name(f"{target.name}-{i}") for i in range(2, 10_000)
                if not target.with_name(f"{target.name}-{i}").exists())
    echo(f"note: {target} exists (--force replaces it, --out chooses another); writing {free}",
         err=True)
    return free


def check_out(target: Path, force: bool, resume: bool = False) -> None:
    """Before any work: refuse to write over an existing result unless ``--force`` (or
    ``--resume``), and make sure the folder can be created and written."""
    from escsim.results import check_writable

    if target.exists() and not (force or resume):
        if (target / "manifest.json").is_file():  # a streamed run or sweep: it may resume
            raise InputError("output folder exists; use --force to replace it, --resume to "
                             "finish an interrupted run, or --out to choose another",
                             file=str(target))
        raise InputError("output folder exists; use --force to replace it or --out to choose "
                         "another", file=str(target))
    check_writable(target)


class Progress:
    """A progress bar on stderr, fed ``progress(done, total)``: runs done, rate and time left.

    Usable as a context manager; the bar appears on the first call.
    """

    def __init__(self, label: str, unit: str = "runs"):
        self.label = label
        self.unit = unit
        self.bar: Any = None
        self.started = time.perf_counter()
        self.first_done = 0
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if OUTPUT.quiet:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_pos=True, show_eta=False, show_percent=True,
                                         item_show_func=self._rate)
            self.bar.__enter__()
            self.first_done = self.done = done
            self.bar.update(done, current_item=(done, total))
            self.started = time.perf_counter()
            return
        self.bar.update(done - self.done, current_item=(done, total))
        self.done = done

    def add(self, n: int, total: int) -> None:
        """``n`` more done (for callers that count increments)."""
        self(self.done + n, total)

    def _rate(self, item: tuple[int, int] | None) -> str:
        if item is None:
            return ""
        done, total = item
        elapsed = time.perf_counter() - self.started
        new = done - self.first_done
        if new <= 0 or elapsed <= 0:
            return ""
        rate = new / elapsed
        left = (total - done) / rate
        return f"{rate:,.0f} {self.unit}/s, {duration(left)} left"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def duration(seconds: float) -> str:
    """``42s``, ``12m`` or ``1.5h``."""
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
