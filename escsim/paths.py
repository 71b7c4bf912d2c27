"""Where the fact base and the bundled scenarios live.

In a source checkout (or an editable install) they are the top-level ``seeds/`` and ``scenarios/``
folders; a built wheel carries copies under ``escsim/_data/``.
"""

from __future__ import annotations

import re
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


#: The one rule for a name that becomes a file or folder name (a scenario's, a study's,
#: ``--name``): no path separators, no "..", no hidden files, short enough for any file system
#: with the suffixes escsim adds.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SAFE_NAME_RULE = ("1-64 letters, digits, '.', '_' or '-', starting with a letter or digit "
                  "(no '/', no '..')")


def is_safe_name(name: str) -> bool:
    """Whether ``name`` can name a result folder: a file never chooses where escsim writes."""
    return isinstance(name, str) and bool(SAFE_NAME.fullmatch(name))
