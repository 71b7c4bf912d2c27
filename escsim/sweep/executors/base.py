"""Moved to :mod:`escsim.executors.base`."""

from escsim.executors.base import Executor, available_cores

__all__ = ["Executor", "available_cores"]
