"""Result folders on disk: the one atomic writer, and the layouts of run and sweep folders.

`.files` writes files and folders atomically; :mod:`.run` is the layout of a run folder;
:mod:`.sweep` is the layout of a sweep folder (chunk parts, the tidy run table, the summary).
"""

from escsim.results.files import (
    ResultExists,
    atomic_binary,
    atomic_folder,
    atomic_open,
    atomic_write_text,
    csv_text,
    read_json,
    write_json,
    write_rows_csv,
    write_table,
)
from escsim.results.run import read_daily, read_runs, read_summary

__all__ = ["ResultExists", "atomic_binary", "atomic_folder", "atomic_open", "atomic_write_text",
           "csv_text", "read_daily", "read_json", "read_runs", "read_summary", "write_json",
           "write_rows_csv", "write_table"]
