"""Regenerate what docs/explanation/record.md shows of the record: the completeness table (the
dated count of each period beside the tallies kept of it) and the record's figure
(docs/images/record.png, also in the README)::

    python docs/generate_record.py           # rewrite the block and the figure
    python docs/generate_record.py --check   # exit 1 if the block is out of date

``tests/test_docs.py`` fails when the committed block differs from what this script generates.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

import escsim
from escsim.record import Record
from escsim.record.derive import tallies_beside_dated

DOCS = Path(__file__).resolve().parent
PAGE = DOCS / "explanation" / "record.md"
FIGURE = DOCS / "images" / "record.png"
START, END = "<!-- record-completeness:start -->", "<!-- record-completeness:end -->"

#: The periods the record is read in: (label, first day, last day).
PERIODS = (
    ("Oct 2019 - Dec 2020: K-1, Soleimani, Taji", "2019-10-01", "2020-12-31"),
    ("2021: Erbil, the Feb and Jun US rounds", "2021-01-01", "2021-12-31"),
    ("Jan 2022 - 16 Oct 2023: low tempo, mostly Syria", "2022-01-01", "2023-10-16"),
    ("17 Oct 2023 - 4 Feb 2024: the surge", "2023-10-17", "2024-02-04"),
    ("5 Feb - 11 Nov 2024: the pause and its erosion", "2024-02-05", "2024-11-11"),
    ("12 Nov 2024 - Nov 2025: after the seed (scoring only)", "2024-11-12", "2025-11-30"),
)


def completeness(record: Record) -> pd.DataFrame:
    """One row per period: dated attacks (bases and embassy), convoy attacks, rows and sources,
    and the tally whose window fits the period best beside the dated count of that window."""
    attacks = record.attacks()
    convoys = record.attacks(("convoy",))
    tallies = tallies_beside_dated(record)
    rows = []
    for label, first, last in PERIODS:
        lo, hi = pd.Timestamp(first), pd.Timestamp(last)
        within = attacks[attacks["date"].between(lo, hi)]
        fits = tallies[tallies["date"].between(lo, hi + pd.Timedelta(days=10))
                       & (tallies["window_start"] >= lo - pd.Timedelta(days=60))]
        if len(fits):
            # the tally covering most of the period, then the largest count
            overlap = (fits["date"].clip(upper=hi) - fits["window_start"].clip(lower=lo)).dt.days
            best = fits.assign(overlap=overlap).sort_values(["overlap", "tally"]).iloc[-1]
            scope = "" if best["country"] == "region" else \
                ", " + " and ".join(c.capitalize() for c in best["country"].split(";"))
            tally = (f"{best['tally']} ({best['actor']}{scope}, "
                     f"{best['window_start']:%d %b %Y} - {best['date']:%d %b %Y})")
            share = f"{best['dated']} ({best['dated'] / best['tally']:.0%})" if best["tally"] \
                else f"{best['dated']}"
        else:
            tally, share = "none found", ""
        sources = record.sources[record.sources["event_id"].isin(within["id"])]
        rows.append({"period": label, "dated attacks": int(within["count"].sum()),
                     "rows": len(within), "reports": len(sources),
                     "convoy attacks": int(convoys[convoys["date"].between(lo, hi)]
                                           ["count"].sum()),
                     "tally of the period": tally, "dated in the tally's window": share})
    return pd.DataFrame(rows)


def block() -> str:
    record = escsim.read_record()
    table = completeness(record)
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    kinds = record.events["kind"].value_counts()
    counts = ", ".join(f"{kinds.get(k, 0)} {k.replace('_', ' ')}" for k in
                       ("militia_attack", "us_strike", "iran_attack", "strike_on_iran",
                        "announcement", "tally"))
    return "\n".join([START, f"The record holds {len(record.events)} events ({counts}) and "
                      f"{len(record.sources)} source rows.", "", header, rule, *body, END])


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _: block(), text)
    if "--check" in argv:
        return 0 if new == text else 1
    PAGE.write_text(new, encoding="utf-8")
    from escsim.plotting.record import record_figure
    from escsim.plotting.style import save_figure

    record = escsim.read_record()
    fig = record_figure(record.events, record.monthly_attacks(start="2019-10-01",
                                                              end="2025-11-30"),
                        tallies_beside_dated(record))
    save_figure(fig, FIGURE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
