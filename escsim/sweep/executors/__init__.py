"""Moved to :mod:`escsim.executors` (a base service every layer may use); these names stay so
code written against ``escsim.sweep.executors`` keeps working."""

from escsim.executors import (
    EXECUTORS,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    available_cores,
    make_executor,
)

__all__ = ["EXECUTORS", "Executor", "ProcessExecutor", "SerialExecutor", "available_cores",
           "make_executor"]
