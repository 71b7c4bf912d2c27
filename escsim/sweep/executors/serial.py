"""Moved to :mod:`escsim.executors.serial`."""

from escsim.executors.serial import SerialExecutor

__all__ = ["SerialExecutor"]
