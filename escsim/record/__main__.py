"""``python -m escsim.record check [FOLDER]``: every problem of a record folder, one a line.

The same check runs in the tests and in ``escsim record --check``; this entry point is for whoever
compiles the record and wants the whole list while editing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from escsim.errors import InputError
from escsim.record.load import default_record_dir
from escsim.record.validate import check_folder


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check" or len(argv) > 2:
        sys.stderr.write("usage: python -m escsim.record check [FOLDER]\n")
        return 2
    folder = Path(argv[1]) if len(argv) == 2 else default_record_dir()
    try:
        problems = check_folder(folder)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    sys.stdout.write(f"{len(problems)} problems in {folder}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
