"""The arguments of the running ``escsim`` command, recorded by the command line so that every
result folder can say what made it (:func:`escsim.results.provenance.command`).

Kept apart from the results layer and free of imports, so that recording the command costs the
command line's start-up nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

_arguments: list[str] | None = None


def set_arguments(args: Sequence[str]) -> None:
    """Record the arguments of the running ``escsim`` command (called by the CLI)."""
    global _arguments
    _arguments = list(args)


def arguments() -> list[str] | None:
    """The recorded arguments (None outside the command line)."""
    return None if _arguments is None else list(_arguments)
