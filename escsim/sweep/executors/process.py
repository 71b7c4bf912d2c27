"""Moved to :mod:`escsim.executors.process`."""

from escsim.executors.process import ProcessExecutor

__all__ = ["ProcessExecutor"]
