"""What every ``escsim`` command shares: the error convention, the options declared once, how an
application talks while it works (progress, notes), the one interrupt-and-resume handler, and
printing what an application returns.

Bad input (:class:`~escsim.errors.InputError`) becomes one line on stderr and exit code 2;
arguments that do not go together (:class:`escsim.apps.UsageError`), click's usage error.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from escsim.apps.common import AppResult, Feedback, UsageError
from escsim.apps.tail import TailRequest
from escsim.errors import InputError
from escsim.records import DEFAULT_SEED


class EscsimCommand(click.Command):
    """A command whose application's :class:`~escsim.apps.UsageError` is click's usage error
    (the usage line, then the message, exit code 2)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None


class EscsimGroup(click.Group):
    """A Click group that turns :class:`InputError` into one stderr line and exit code 2."""

    command_class = EscsimCommand

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


#: ``--format``: the run table's file format (runs.csv, or runs.parquet with pyarrow).
format_option: Callable[[Any], Any] = click.option(
    "--format", "runs_format", type=click.Choice(["csv", "parquet"]), default="csv",
    show_default=True,
    help='The run table\'s format: runs.csv, or runs.parquet (typed, smaller; needs pyarrow: '
         'pip install "escsim[parquet]").')


def _load_policy_modules(ctx: click.Context, param: click.Parameter,
                         modules: tuple[str, ...]) -> None:
    from escsim.apps.policies import load_policy_module

    for module in modules:
        load_policy_module(module)


#: ``--policy-module``: the user's own retaliation policies, loaded before anything else.
policy_module_option: Callable[[Any], Any] = click.option(
    "--policy-module", multiple=True, metavar="PATH_OR_MODULE", expose_value=False,
    is_eager=True, callback=_load_policy_modules,
    help="A .py file or module of your own US retaliation policies (repeatable); a scenario "
         "names one in us_policy.preset (docs/howto/add-a-retaliation-policy.md).")


def seed_option(help: str = "Root seed; replication seeds derive from it.",
                ) -> Callable[[Any], Any]:
    """``--seed/-s``: the root seed (default :data:`escsim.records.DEFAULT_SEED`)."""
    return click.option("--seed", "-s", default=DEFAULT_SEED, show_default=True,
                        type=click.IntRange(0), help=help)


def uncertainty_option(help: str) -> Callable[[Any], Any]:
    """``--parameter-uncertainty``: none, or draws from the priors or the posterior."""
    return click.option("--parameter-uncertainty", "uncertainty", default="none",
                        show_default=True, type=click.Choice(["none", "prior", "posterior"]),
                        help=help)


priors_option: Callable[[Any], Any] = click.option(
    "--priors", type=click.Path(dir_okay=False, path_type=Path),
    help="Priors file [default: scenarios/priors/<scenario>.toml].")


def horizon_option(whose: str = "each scenario's", help: str | None = None,
                   whole_days: bool = False) -> Callable[[Any], Any]:
    """``--horizon DAYS``: override the horizon of ``whose`` (1 to 3650 days; ``help`` says
    otherwise what it does, ``whole_days`` takes whole days only)."""
    days = click.IntRange(1, 3650) if whole_days else click.FloatRange(1, 3650)
    return click.option("--horizon", type=days, metavar="DAYS",
                        help=help or f"Override {whose} horizon (days).")


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


def out_option(default: str) -> Callable[[Any], Any]:
    """``--out/-o``: the output folder (``default`` named in the help)."""
    return click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
                        help=f"Output folder [default: {default}].")


force_option: Callable[[Any], Any] = click.option(
    "--force", is_flag=True, help="Replace an existing output folder.")


def out_options(default: str, resume: str | None = None) -> Callable[[Any], Any]:
    """``--out`` (default folder named in the help), ``--force``, ``--no-plots`` and, for
    commands that stream and resume, ``--resume`` (``resume`` is its help)."""
    opts = [
        out_option(default),
        force_option,
        *([click.option("--resume", is_flag=True, help=resume)] if resume else []),
        click.option("--no-plots", is_flag=True, help="Skip the PNG plots."),
    ]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(opts):
            f = opt(f)
        return f

    return decorate


def tail_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--tail``, ``--rung``, ``--tail-repetitions``, ``--tail-effort``, ``--level``: a rare rung
    estimated by multilevel splitting beside the plain estimate."""
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
        click.option("--tail-effort", default=700, show_default=True, type=click.IntRange(1),
                     help="Work per repetition: as much as this many histories at every "
                          "level, shared out by a pilot run."),
        click.option("--level", "tail_levels", multiple=True, metavar="COND",
                     help="A level to split at (repeatable): a rung below K, or a condition "
                          "such as 'us_killed >= 2', optionally with a deadline "
                          "('us_killed >= 2 before day 300') [default: every rung below K "
                          "and K's own terms, chosen from by a pilot]."),
    ]):
        f = opt(f)
    return f


def tail_request(tail_method: str, rung: int | None, tail_repetitions: int,
                 tail_effort: int, tail_levels: tuple[str, ...] = ()) -> TailRequest:
    """What :func:`tail_options` asked."""
    return TailRequest(tail_method, rung, tail_repetitions, tail_effort, tuple(tail_levels))


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


class _StagedProgress:
    """A progress bar per stage (label), on stderr: work done in named stages."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if OUTPUT.quiet:
            return
        if label != self.label:
            self.close()
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
            self.label, self.done = label, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar, self.label = None, None


class CliFeedback(Feedback):
    """How an application talks on the command line: progress bars and notes on stderr (none
    with ``-q``), details with ``-v``; it remembers the folder being written, for the resume
    hint."""

    def __init__(self) -> None:
        self.folder: Path | None = None

    @property
    def verbose(self) -> bool:
        return OUTPUT.verbose

    def note(self, text: str) -> None:
        echo(text, err=True)

    def warn(self, text: str) -> None:
        # at most 100 characters a line, like every printed line; a path or key stays whole
        click.echo(textwrap.fill(f"escsim: warning: {text}", 100, subsequent_indent="    ",
                                 break_long_words=False, break_on_hyphens=False), err=True)

    def detail(self, text: str) -> None:
        detail(text)

    def writing(self, folder: Path) -> None:
        self.folder = folder

    def bar(self, label: str, unit: str = "runs") -> Progress:
        return Progress(label, unit)

    @contextlib.contextmanager
    def counted(self, label: str, length: int, eta: bool = True
                ) -> Iterator[Callable[[int], None]]:
        with progressbar(length=length, label=label, show_pos=True, show_eta=eta) as shown:
            yield shown.update

    @contextlib.contextmanager
    def stages(self) -> Iterator[Callable[[str, int, int], None]]:
        staged = _StagedProgress()
        try:
            yield staged
        finally:
            staged.close()


def _resumable_folder(folder: Path) -> bool:
    """Whether ``folder`` (or, for several scenarios, a subfolder) holds a run or sweep escsim
    wrote, so the hint to resume is true."""
    from escsim.results.files import escsim_wrote

    try:
        return escsim_wrote(folder) or any(escsim_wrote(sub) for sub in folder.iterdir()
                                           if sub.is_dir() and not sub.is_symlink())
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def resumable(feedback: CliFeedback, what: str, resume: str) -> Iterator[None]:
    """The one interrupt-and-resume handler of the commands that stream and resume. On Ctrl-C
    (exit 130) or a crash such as a killed worker (exit 1) once the folder holds a manifest: one
    message saying that finished chunks are kept and the command that finishes the work
    (``resume``, with ``{out}`` for the folder), not a traceback. SIGTERM (a scheduler, a
    ``kill``) is handled as Ctrl-C, with exit code 143."""
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    except (InputError, UsageError, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except KeyboardInterrupt as exc:
        if feedback.folder is None:
            raise
        click.echo(f"\n{'terminated' if isinstance(exc, Terminated) else 'interrupted'}; "
                   "finished chunks are kept. Resume with:\n  "
                   + resume.replace("{out}", str(feedback.folder)), err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    except Exception as exc:
        if feedback.folder is None or not _resumable_folder(feedback.folder):
            raise
        click.echo(f"\nescsim: error: the {what} stopped: {type(exc).__name__}: {exc}\n"
                   "finished chunks are kept; resume with:\n  "
                   + resume.replace("{out}", str(feedback.folder)), err=True)
        sys.exit(1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so the work stops the same way."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def print_result(result: AppResult) -> None:
    """Print what an application returned: its lines, or with ``--json`` its summary."""
    for line in result.lines:
        echo(line)
    emit_json(result.json)
