"""Record folders (``escsim record``): the documented record (``seeds/record``), filtered,
listed and tabulated; with ``--out`` or ``--plot`` a folder of its tables (``events.csv``,
``sources.csv``, ``monthly.csv``, ``around_rounds.csv``, ``tallies.csv``) and its figure
(``plots/record.png``): attacks on US forces per month by country with the US rounds, pauses and
Iranian actions marked and the tallies beside the dated counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escsim.apps.common import SILENT, AppResult, Feedback, check_out, output_folder
from escsim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from escsim.record import Record

#: The tables a record folder holds (``report.html`` shows the monthly series and the tallies).
TABLES = ("events.csv", "sources.csv", "monthly.csv", "around_rounds.csv", "tallies.csv")
FIGURE = Path("plots") / "record.png"
#: Rows listed on the console unless asked for more.
LISTED = 40


def _day(text: str | None, key: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise InputError("not a date", key=key, value=text, expected="YYYY-MM-DD") from None


def select(record: Record, start: str | None = None, end: str | None = None,
           countries: Sequence[str] = (), kinds: Sequence[str] = (),
           group: str | None = None) -> pd.DataFrame:
    """The events of ``record`` between ``start`` and ``end`` (inclusive), of these countries
    and kinds, whose actor or target names ``group`` (case-insensitive): one filter for the
    listing, the tables and the figure."""
    import pandas as pd

    from escsim.record.schema import COUNTRIES, KINDS

    first, last = _day(start, "--from"), _day(end, "--to")
    if first is not None and last is not None and first > last:
        raise InputError("the first day is after the last", key="--from", value=start,
                         expected=f"a day on or before --to {end}")
    for value, allowed, key in ((countries, COUNTRIES, "--country"), (kinds, KINDS, "--kind")):
        for v in value:
            if v not in allowed:
                raise InputError(f"unknown {key[2:]}", key=key, value=v,
                                 expected="one of " + ", ".join(allowed))
    ev = record.events
    keep = pd.Series(True, index=ev.index)
    if first is not None:
        keep &= ev["date"] >= pd.Timestamp(first)
    if last is not None:
        keep &= ev["date"] <= pd.Timestamp(last)
    if countries:
        wanted = set(countries)
        keep &= ev["country"].fillna("").str.split(";").map(lambda cs: bool(set(cs) & wanted))
    if kinds:
        keep &= ev["kind"].isin(kinds)
    if group:
        names = ev["actor"].fillna("") + " " + ev["target"].fillna("")
        keep &= names.str.contains(group, case=False, regex=False)
    return ev[keep].reset_index(drop=True)


def _listing(events: pd.DataFrame, sources: pd.DataFrame, limit: int | None) -> list[str]:
    n_sources = sources.groupby("event_id").size()
    lines = [f"{'date':10}  {'kind':27}  {'country':7}  {'n':>3}  {'US w/k':>7}  "
             f"{'src':>3}  place / actor"]
    shown = events if limit is None else events.head(limit)
    for r in shown.itertuples():
        harm = f"{_int(r.us_wounded)}/{_int(r.us_killed)}"
        harm = "" if harm == "-/-" else harm
        what = " / ".join(str(x) for x in (r.place, r.actor) if isinstance(x, str) and x)
        lines.append(f"{r.date:%Y-%m-%d}  {r.kind + ':' + r.subkind:27.27}  "
                     f"{str(r.country):7.7}  {_int(r.count):>3}  {harm:>7}  "
                     f"{int(n_sources.get(r.id, 0)):>3}  {what[:60]}")
    if limit is not None and len(events) > limit:
        lines.append(f"... {len(events) - limit} more rows (--limit 0 lists all, --out DIR "
                     "writes them all to events.csv)")
    return lines


def _int(x: Any) -> str:
    import pandas as pd

    return "-" if x is None or pd.isna(x) else str(int(x))


def _monthly_lines(monthly: pd.DataFrame) -> list[str]:
    wide = monthly.pivot_table(index="month", columns="country", values="attacks",
                               aggfunc="sum", fill_value=0)
    countries = list(wide.columns)
    lines = ["month     " + "".join(f"{c:>8}" for c in countries) + f"{'total':>8}"]
    for month, row in wide.iterrows():
        lines.append(f"{month:%Y-%m}   " + "".join(f"{int(v):>8}" for v in row)
                     + f"{int(row.sum()):>8}")
    return lines


def record(start: str | None = None, end: str | None = None, countries: Sequence[str] = (),
           kinds: Sequence[str] = (), group: str | None = None, as_of: str | None = None,
           monthly: bool = False, rounds_days: int | None = None, tallies: bool = False,
           limit: int | None = LISTED, plot: bool = False, out: Path | None = None,
           force: bool = False, folder: Path | None = None, figure: bool = True,
           feedback: Feedback = SILENT) -> AppResult:
    """The documented record, filtered (``escsim record``; the arguments are its options).

    Prints the rows (``limit`` of them; None for all), or with ``monthly`` the attacks on US
    forces per month by country, with ``rounds_days`` the attacks in the N days before and after
    each US round, with ``tallies`` each tally beside the dated count of its window. With
    ``plot`` or ``out`` writes a record folder (tables and figure). ``as_of`` keeps only what
    was known on that day; ``folder`` reads another record folder than the bundled one;
    ``figure=False`` writes the tables alone.
    """
    from escsim.record import read_record
    from escsim.record.derive import around_rounds, monthly_counts, tallies_beside_dated

    whole = read_record(folder, as_of=_day(as_of, "--as-of"))
    events = select(whole, start, end, countries, kinds, group)
    sources = whole.sources[whole.sources["event_id"].isin(events["id"])]
    from escsim.record import Record

    chosen = Record(events, sources, whole.folder, whole.through)
    attacks = chosen.attacks()
    month_table = monthly_counts(attacks, start=start, end=end)
    rounds = around_rounds(chosen, days=rounds_days or 7)
    tally_table = tallies_beside_dated(chosen)
    if monthly:
        lines = _monthly_lines(month_table)
    elif rounds_days is not None:
        lines = [rounds.to_string(index=False)] if len(rounds) else ["no US rounds selected"]
    elif tallies:
        lines = [tally_table.to_string(index=False)] if len(tally_table) else ["no tallies"]
    else:
        lines = _listing(events, sources, limit)
    lines.append(f"{len(events)} events ({int(attacks['count'].sum())} dated attacks on US "
                 f"forces), {len(sources)} sources" + (f", as of {whole.through}"
                                                      if whole.through else ""))
    target = None
    if plot or out is not None:
        target = output_folder(out, "record", force, feedback=feedback)
        check_out(target, force)
        _write(target, force, figure, events, sources, month_table, rounds, tally_table)
        lines.append(f"results: {target}")
    data = {"events": len(events), "sources": len(sources),
            "attacks": int(attacks["count"].sum()),
            **({"results": str(target)} if target else {})}
    return AppResult(target, lines, data, value=chosen)


def _write(target: Path, force: bool, figure: bool, events: pd.DataFrame, sources: pd.DataFrame,
           monthly: pd.DataFrame, rounds: pd.DataFrame, tallies: pd.DataFrame) -> None:
    from escsim.results import atomic_folder
    from escsim.results.provenance import write_folder_manifest

    with atomic_folder(target, force=force) as tmp:
        for name, table in zip(TABLES, (events, sources, monthly, rounds, tallies), strict=True):
            table.to_csv(tmp / name, index=False, date_format="%Y-%m-%d")
        write_folder_manifest(tmp, "record", [], None, title="the documented record",
                              record={"events": len(events), "sources": len(sources)})
        if figure:
            _draw(tmp, events, monthly, tallies)


def _draw(folder: Path, events: pd.DataFrame, monthly: pd.DataFrame,
          tallies: pd.DataFrame) -> Path:
    from escsim.plotting import save_figure
    from escsim.plotting.record import record_figure

    return save_figure(record_figure(events, monthly, tallies), folder / FIGURE)


def redraw(folder: Path) -> list[Path]:
    """The figure of a record folder, from its tables."""
    from escsim.results.tables import read_shaped

    folder = Path(folder)  # the tables' dates are parsed by their declared shapes
    tables = {name: read_shaped(folder, "record", name)
              for name in ("events.csv", "monthly.csv", "tallies.csv")}
    return [_draw(folder, tables["events.csv"], tables["monthly.csv"], tables["tallies.csv"])]
