"""What people read: the help's command list, console summaries, figure labels and colours,
titles and provenance (issue 21, item 8). Each test pins one defect seen by a user."""

from __future__ import annotations

from escsim.cli import main


# -------------------------------------------------------------------------------- --help ---
def test_every_command_summary_is_whole_in_the_group_help(cli) -> None:
    """``escsim --help`` cut 13 of 14 summaries with "..." at 80 columns."""
    out = cli("--help").stdout
    listing = out.split("Commands:", 1)[1].splitlines()
    rows = [line for line in listing if line.strip()]
    assert len(rows) == len(main.commands)
    assert not [row for row in rows if row.rstrip().endswith("...")], rows
    assert all(len(row) <= 80 for row in rows)
