"""Executors: where chunks of work run. Each one imports only :mod:`.base`.

* :class:`SerialExecutor`: in-process; the default inside notebooks.
* :class:`ProcessExecutor`: a local process pool; the default on the command line.
* :class:`~escsim.executors.dask.DaskExecutor`: a Dask distributed cluster
  (``pip install escsim[dask]``), or a local Dask cluster when no scheduler address is given.

All are context managers: ``with make_executor("process") as ex: ...`` closes the pool.
"""

from __future__ import annotations

from escsim.executors.base import Executor, available_cores
from escsim.executors.process import ProcessExecutor
from escsim.executors.serial import SerialExecutor

EXECUTORS = ("serial", "process", "dask")

__all__ = ["EXECUTORS", "Executor", "ProcessExecutor", "SerialExecutor", "available_cores",
           "make_executor"]


def make_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """An executor by name: ``serial``, ``process`` or ``dask`` (``scheduler``: the address of
    a running Dask scheduler; without one Dask starts a local cluster)."""
    if kind == "serial" or (kind == "process" and workers == 1):
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        from escsim.executors.dask import DaskExecutor  # optional dependency

        return DaskExecutor(workers=workers, scheduler=scheduler)
    raise ValueError(f"unknown executor {kind!r}; expected serial, process or dask")
