"""The serial executor: chunks one after another in this process (the notebook default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from escsim.executors.base import Executor


class SerialExecutor(Executor):
    """Run chunks one after another in this process."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            yield fn(item)
