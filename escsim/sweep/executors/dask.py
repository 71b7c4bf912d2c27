"""Moved to :mod:`escsim.executors.dask`."""

from escsim.executors.dask import DaskExecutor, check_scheduler_address

__all__ = ["DaskExecutor", "check_scheduler_address"]
