"""Set values on a loaded (frozen) scenario by dotted key, without re-reading its files.

Used where many variants of one scenario are needed cheaply: sweep points and per-replication
parameter draws. Callers check the values first (``loader.check_value`` or a prior's support).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def set_values(obj: T, values: Iterable[tuple[str, Any]]) -> T:
    """``obj`` (frozen dataclasses and dicts) with the value at each dotted key replaced; every
    container on the way is copied once, the rest shared."""
    tree: dict[str, Any] = {}
    for key, value in values:
        *path, last = key.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return _replace(obj, tree) if tree else obj


def _replace(obj: Any, changes: dict[str, Any]) -> Any:
    new = {k: _replace(obj[k] if isinstance(obj, dict) else getattr(obj, k), v)
           if isinstance(v, dict) else v for k, v in changes.items()}
    if isinstance(obj, dict):
        return {**obj, **new}
    return dataclasses.replace(obj, **new)
