"""What every application shares: its result, how it talks while it works, where it writes, and
where its chunks run.

An application is a plain function with the arguments of its command. It returns an
:class:`AppResult` (the folder, its tables as DataFrames, the lines the command prints and the
JSON summary of ``--json``) and talks while it works only through a :class:`Feedback`: silent by
default (a notebook), progress bars and notes on stderr on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escsim.errors import InputError
from escsim.executors import Executor, available_cores, make_executor

# How applications talk while they work lives below every layer (escsim.feedback), so the
# Python API's long calls report progress through the same classes as the command line.
from escsim.feedback import SILENT, Bar, Feedback  # noqa: F401  (re-exported)


class UsageError(ValueError):
    """Arguments that do not go together (the command line shows its usage with it)."""




@dataclass
class AppResult:
    """What an application made: the folder, what the command prints, its tables.

    Attributes:
        folder: the result folder written (None for what writes none).
        lines: the lines the command prints on stdout.
        json: the command's ``--json`` summary.
        value: the application's own result object (a Backtest, a StudyReport, ...), if any.
    """

    folder: Path | None
    lines: list[str] = field(default_factory=list)
    json: dict[str, Any] | list[Any] = field(default_factory=dict)
    value: Any = field(default=None, repr=False)

    @property
    def tables(self) -> dict[str, Any]:
        """Every table of the folder as a DataFrame, by file stem (read when first asked for:
        the command line never pays for it)."""
        if self.folder is None:
            return {}
        if "_tables" not in self.__dict__:
            from escsim.results.read import read_run

            self.__dict__["_tables"] = read_run(self.folder).tables
        tables: dict[str, Any] = self.__dict__["_tables"]
        return tables

    def __str__(self) -> str:
        return "\n".join(self.lines)


#: Most local worker processes per available core (each is a whole Python process).
MAX_JOBS_PER_CORE = 8


def open_executor(executor: str | Executor = "process", jobs: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """The executor of ``--executor/--jobs/--scheduler`` (a context manager), checked; an
    :class:`~escsim.executors.Executor` passed in is used as it is."""
    if isinstance(executor, Executor):
        return executor
    if scheduler and executor != "dask":
        raise InputError("--scheduler needs --executor dask", key="--scheduler",
                         value=scheduler, expected="--executor dask --scheduler ADDRESS")
    if executor == "process" and jobs is None:
        jobs = available_cores()
    local = executor == "process" or (executor == "dask" and not scheduler)
    most = MAX_JOBS_PER_CORE * available_cores()
    if local and jobs is not None and jobs > most:
        raise InputError("more local workers than this machine can run", key="--jobs",
                         value=jobs, expected=f"at most {most} ({MAX_JOBS_PER_CORE} per core "
                                              f"of the {available_cores()} available)")
    return make_executor(executor, jobs, scheduler)


def output_folder(out: Path | None, default: str, force: bool = False, resume: bool = False,
                  feedback: Feedback = SILENT) -> Path:
    """``out``, else ``results/<default>``. A default folder that exists already is neither
    written over nor refused: the next free name (``NAME-2``, ``NAME-3``, ...) is used, and said,
    so re-running a command works; ``force`` replaces it, ``resume`` finishes it, and a given
    ``out`` is checked as given (:func:`check_out`)."""
    target = Path("results") / default if out is None else Path(out)
    if out is None and not (force or resume) and target.exists():
        taken = target
        target = next(taken.with_name(f"{taken.name}-{i}") for i in range(2, 10_000)
                      if not taken.with_name(f"{taken.name}-{i}").exists())
        feedback.note(f"note: {taken} exists (--force replaces it, --out chooses another); "
                      f"writing {target}")
    feedback.writing(target)
    return target


def check_out(target: Path, force: bool, resume: bool = False) -> None:
    """Before any work: refuse to write over an existing result unless ``force`` (or
    ``resume``), and make sure the folder can be created and written."""
    from escsim.results import check_writable
    from escsim.results.files import check_path_names, check_replaceable

    check_path_names(target)
    if force and not resume:
        check_replaceable(target)
    if target.exists() and not (force or resume):
        if (target / "manifest.json").is_file():  # a streamed run or sweep: it may resume
            raise InputError("output folder exists; use --force to replace it, --resume to "
                             "finish an interrupted run, or --out to choose another",
                             file=str(target))
        raise InputError("output folder exists; use --force to replace it or --out to choose "
                         "another", file=str(target))
    check_writable(target)


def check_format(runs_format: str) -> None:
    """``--format``, checked before any work: ``csv``, or ``parquet`` with pyarrow installed
    (:func:`escsim.results.runs_table.check_format`; imported here only when called, so the
    command line does not load pandas to parse its options)."""
    from escsim.results.runs_table import check_format as check

    check(runs_format)


def with_horizon(overrides: tuple[str, ...] | list[str], horizon: float | None) -> list[str]:
    """The ``--set`` overrides with ``--horizon`` as one more."""
    return [*overrides, *([f"scenario.horizon_days={horizon}"] if horizon is not None else [])]


def load(ref: str, overrides: tuple[str, ...] | list[str] = (),
         horizon: float | None = None) -> Any:
    """A scenario named on the command line, with ``--set`` and ``--horizon`` applied."""
    from escsim.scenario import load_scenario

    return load_scenario(ref, with_horizon(overrides, horizon))


def shown_path(path: Path) -> str:
    """A path as result folders record it (relative where it can be)."""
    from escsim.results.provenance import display_path

    return display_path(Path(path).resolve())


def command_line() -> str:
    """The running command, as manifests record it."""
    from escsim.results.provenance import command_line as recorded

    return recorded()


def write_report_if(folder: Path, report: bool) -> None:
    """``report.html`` unless ``--no-report``."""
    if report:
        from escsim.results.report import write_report

        write_report(folder)
