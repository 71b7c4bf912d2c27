"""The ``escsim`` command line (``escsim.cli:main``): a thin layer over the applications.

Each command parses its options, calls one function of :mod:`escsim.apps` and prints what it
returns. :mod:`.main` (the group and run, compare, trace, scenarios, show, facts, report),
:mod:`.sweep` (sweep, sensitivity, plot, discover), :mod:`.history` (backtest, calibrate),
:mod:`.study` (study) and :mod:`.common` (the options declared once, progress and notes, the one
interrupt-and-resume handler, printing a result).
"""

from escsim.cli.main import main

__all__ = ["main"]
