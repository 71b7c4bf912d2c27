"""How long work talks while it runs: one set of classes for the command line and the Python API.

An application (:mod:`escsim.apps`) talks only through a :class:`Feedback`: silent by default
(a notebook), progress bars and notes on stderr on the command line (``escsim.cli.common``
subclasses it). The Python API's long calls (:func:`escsim.simulate`, :func:`escsim.compare`,
:func:`escsim.run_study`, :func:`escsim.run_backtest`, :func:`escsim.calibrate`) take a
``progress=`` argument that :func:`as_feedback` turns into one of these:

* ``None`` or ``False``: silent;
* ``True``: a tqdm bar per stage of work (``tqdm.auto``: a widget in Jupyter, text elsewhere)
  when tqdm is installed; without it, a warning says so and the work goes on silently;
* a callable ``progress(done, total)``: called as work advances (``done`` of ``total``
  replications, or of the stage's steps); one of three arguments gets
  ``progress(stage, done, total)``, one of one argument ``progress(n)`` (``n`` more done);
* a :class:`Feedback` (the command line's, or your own subclass): used as it is.

This module sits below every layer (it imports nothing of escsim), so the model-free layers that
run work and the applications above them share it.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeAlias


class Bar(Protocol):
    """A progress display: ``bar(done, total)``; ``add(n, total)`` for callers that count."""

    def __call__(self, done: int, total: int) -> None: ...

    def add(self, n: int, total: int) -> None: ...

    def close(self) -> None: ...


class _NoBar:
    def __call__(self, done: int, total: int) -> None:
        return None

    def add(self, n: int, total: int) -> None:
        return None

    def close(self) -> None:
        return None


class Feedback:
    """How an application talks while it works. The base class says nothing (a notebook); the
    command line's subclass draws progress bars and prints notes on stderr."""

    @property
    def verbose(self) -> bool:
        """Whether the reader asked for every step (``-v``)."""
        return False

    def note(self, text: str) -> None:
        """A line for the reader while the work goes on (stderr on the command line)."""

    def detail(self, text: str) -> None:
        """A line only for ``-v``."""

    def warn(self, text: str) -> None:
        """Something the reader must see even with ``-q`` (a Python warning in a notebook)."""
        import warnings

        warnings.warn(text, stacklevel=3)

    def writing(self, folder: Path) -> None:
        """The folder the work goes into, once chosen (where an interrupted run resumes)."""

    def bar(self, label: str, unit: str = "runs") -> Bar:
        """A progress display for one stage of work."""
        return _NoBar()

    @contextmanager
    def progress(self, label: str, unit: str = "runs") -> Iterator[Bar]:
        """:meth:`bar` as a context manager that closes it."""
        shown = self.bar(label, unit)
        try:
            yield shown
        finally:
            shown.close()

    @contextmanager
    def counted(self, label: str, length: int, eta: bool = True
                ) -> Iterator[Callable[[int], None]]:
        """A progress display fed increments: ``update(n)`` after ``n`` more of ``length``."""
        yield lambda n: None

    @contextmanager
    def stages(self) -> Iterator[Callable[[str, int, int], None]]:
        """A callback ``(stage label, done, total)`` for work done in named stages."""
        yield lambda label, done, total: None


SILENT = Feedback()


#: What ``progress=`` of the Python API's long calls accepts (:func:`as_feedback`).
ProgressArg: TypeAlias = "bool | Feedback | Callable[..., Any] | None"


class _CallbackBar:
    """A bar that reports to a callable: ``(done, total)``; ``(stage, done, total)`` to one of
    three arguments; ``(n)``, the number done since the last report, to one of one."""

    def __init__(self, report: Callable[..., Any], label: str, arity: int):
        self.report, self.label, self.arity = report, label, arity
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        before, self.done = self.done, done
        if self.arity >= 3:
            self.report(self.label, done, total)
        elif self.arity == 1:
            if done > before:
                self.report(done - before)
        else:
            self.report(done, total)

    def add(self, n: int, total: int) -> None:
        self(self.done + n, total)

    def close(self) -> None:
        return None


class CallbackFeedback(Feedback):
    """Progress reported to a callable: ``progress(done, total)``; to a callable of three
    arguments ``progress(stage, done, total)``; to one of one argument ``progress(n)``, the
    number finished since the last call (escsim's earlier ``progress`` callbacks)."""

    def __init__(self, report: Callable[..., Any]):
        self.report = report
        self.arity = _positional_arity(report)

    def bar(self, label: str, unit: str = "runs") -> Bar:
        return _CallbackBar(self.report, label, self.arity)

    @contextmanager
    def counted(self, label: str, length: int, eta: bool = True
                ) -> Iterator[Callable[[int], None]]:
        shown = _CallbackBar(self.report, label, self.arity)
        yield lambda n: shown.add(n, length)

    @contextmanager
    def stages(self) -> Iterator[Callable[[str, int, int], None]]:
        def report(label: str, done: int, total: int) -> None:
            _CallbackBar(self.report, label, self.arity)(done, total)

        yield report


class _TqdmBar:
    """A tqdm bar opened on the first report (when the total is known)."""

    def __init__(self, label: str, unit: str):
        self.label, self.unit = label, unit
        self.shown: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.shown is None:
            from tqdm.auto import tqdm

            self.shown = tqdm(total=total, desc=self.label, unit=f" {self.unit}")
        if self.shown.total != total:
            self.shown.total = total
        self.shown.update(done - self.shown.n)

    def add(self, n: int, total: int) -> None:
        self((self.shown.n if self.shown is not None else 0) + n, total)

    def close(self) -> None:
        if self.shown is not None:
            self.shown.close()


class TqdmFeedback(Feedback):
    """Progress as tqdm bars (``progress=True`` with tqdm installed): one per stage of work."""

    def bar(self, label: str, unit: str = "runs") -> Bar:
        return _TqdmBar(label, unit)

    @contextmanager
    def counted(self, label: str, length: int, eta: bool = True
                ) -> Iterator[Callable[[int], None]]:
        with self.progress(label) as shown:
            yield lambda n: shown.add(n, length)

    @contextmanager
    def stages(self) -> Iterator[Callable[[str, int, int], None]]:
        bars: dict[str, Bar] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in bars:
                for other in bars.values():  # a new stage: the last one is over
                    other.close()
                bars[label] = self.bar(label, "steps")
            bars[label](done, total)

        try:
            yield report
        finally:
            for shown in bars.values():
                shown.close()


def as_feedback(progress: ProgressArg) -> Feedback:
    """The :class:`Feedback` of a ``progress=`` argument (see the module's docstring).

    Raises:
        TypeError: ``progress`` is none of the accepted kinds.
    """
    if progress is None or progress is False:
        return SILENT
    if isinstance(progress, Feedback):
        return progress
    if progress is True:
        try:
            import tqdm.auto  # noqa: F401
        except ImportError:
            warnings.warn("progress=True shows tqdm bars, and tqdm is not installed (pip "
                          "install tqdm); going on without a progress display", stacklevel=3)
            return SILENT
        return TqdmFeedback()
    if callable(progress):
        return CallbackFeedback(progress)
    raise TypeError(f"progress must be True, False, None, a callable progress(done, total) or "
                    f"a Feedback, not {type(progress).__name__}")


def _positional_arity(report: Callable[..., Any]) -> int:
    """How many positional arguments ``report`` needs (those without a default; all of its
    positional ones when every one has a default; 2 when it cannot be told)."""
    try:
        params = [p for p in inspect.signature(report).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        return 2
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    required = sum(p.default is p.empty for p in params)
    return required or len(params) or 2
