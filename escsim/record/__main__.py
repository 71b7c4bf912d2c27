"""``python -m escsim.record check [FOLDER]``: every problem of a record folder, one a line.
``python -m escsim.record derive``: regenerate ``seeds/observations.csv`` and
``seeds/observation-rows.csv`` from the record and ``seeds/record/observations.toml``.

The check runs in the tests as well; this entry point is for whoever compiles the record.
"""

from __future__ import annotations

import sys
from pathlib import Path

from escsim.errors import InputError
from escsim.record.load import default_record_dir
from escsim.record.validate import check_folder


def derive_files() -> int:
    """Write the generated observation files beside the record."""
    from escsim.facts import bundled_facts
    from escsim.record import read_record
    from escsim.record.derive import DEFINITIONS_FILE, generated_files

    folder = default_record_dir()
    texts = generated_files(read_record(folder), folder / DEFINITIONS_FILE, bundled_facts())
    for name, text in texts.items():
        (folder.parent / name).write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {folder.parent / name}\n")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["derive"]:
        try:
            return derive_files()
        except InputError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 2
    if not argv or argv[0] != "check" or len(argv) > 2:
        sys.stderr.write("usage: python -m escsim.record check [FOLDER] | derive\n")
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
