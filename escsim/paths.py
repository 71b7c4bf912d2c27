"""Where the fact base and the bundled scenarios live.

In a source checkout (or an editable install) they are the top-level ``seeds/`` and ``scenarios/``
folders; a built wheel carries copies under ``escsim/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def seeds_dir() -> Path:
    """The folder of the fact base (``seeds/*.toml``)."""
    return _data_dir("seeds")


def scenarios_dir() -> Path:
    """The folder of the bundled scenarios (``scenarios/*.toml``)."""
    return _data_dir("scenarios")


def studies_dir() -> Path:
    """The folder of the bundled study files (``scenarios/studies/*.toml``): they ship with the
    scenarios they name."""
    return scenarios_dir() / "studies"
