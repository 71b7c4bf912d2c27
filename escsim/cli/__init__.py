"""The ``escsim`` command line (``escsim.cli:main``): a thin layer over the library.

:mod:`.main` (the group and the scenario commands: run, trace, scenarios, show, facts),
:mod:`.sweep` (sweep, sensitivity, plot, discover), :mod:`.history` (backtest, calibrate) and
:mod:`.common` (options and conventions every command shares).
"""

from escsim.cli.main import main

__all__ = ["main"]
