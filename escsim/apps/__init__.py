"""The applications: one module per kind of result folder, each the one place that makes, reads
back, summarises and redraws that kind (:data:`escsim.results.kinds.KINDS` names them).

Each is a plain function with the arguments of its command, so a notebook does what the command
line does::

    from escsim.apps import run, sweep
    result = run(["baseline-2024-11"], runs=200, executor="serial")
    print(result)                    # the lines escsim run prints
    result.tables["runs"]            # the folder's tables as DataFrames

and returns an :class:`~escsim.apps.common.AppResult`: the folder, its tables, the lines the
command prints and its ``--json`` summary. The command line (:mod:`escsim.cli`) parses options,
calls one of these and prints what it returns.

=============  ==========================================================================
module         kind of result (command)
=============  ==========================================================================
run            run folder (``escsim run``)
compare        comparison folder (``escsim run A B``, ``escsim compare``)
sweep          sweep folder (``escsim sweep``)
sensitivity    sensitivity folder (``escsim sensitivity``)
discover       PRIM box of a sweep folder (``escsim discover``)
study          study folder (``escsim study``)
backtest       backtest and eras folders (``escsim backtest [--eras]``)
calibrate      calibration folder (``escsim calibrate [--eras]``)
tail           the rare rung by splitting, beside a run, sweep or study (``--tail``)
trace          trace folder (``escsim trace``)
record         the documented record, listed, tabulated and drawn (``escsim record``)
folders        any folder: redrawn (``escsim plot``) and reported (``escsim report``)
=============  ==========================================================================
"""

from escsim.apps.backtest import backtest, backtest_eras
from escsim.apps.calibrate import calibrate, calibrate_eras
from escsim.apps.common import AppResult, Feedback, UsageError
from escsim.apps.compare import compare
from escsim.apps.discover import discover
from escsim.apps.folders import redraw, report
from escsim.apps.record import record
from escsim.apps.run import run
from escsim.apps.sensitivity import sensitivity
from escsim.apps.study import study
from escsim.apps.sweep import sweep
from escsim.apps.tail import TailRequest
from escsim.apps.trace import trace

__all__ = ["AppResult", "Feedback", "TailRequest", "UsageError", "backtest", "backtest_eras",
           "calibrate", "calibrate_eras", "compare", "discover", "record", "redraw", "report",
           "run", "sensitivity", "study", "sweep", "trace"]
