"""The printed side of a comparison: one row per scenario, and the paired differences. Used by
``escsim run A B ...`` (:mod:`escsim.apps.run`) and ``escsim compare``
(:mod:`escsim.apps.compare`), so neither imports the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def comparison_lines(summaries: list[dict[str, Any]]) -> list[str]:
    """What ``escsim run`` prints for several scenarios: one row each, side by side, with the
    rungs some scenario reaches in under half its runs (the ones the comparison is about) and
    the mean counts (heavy-tailed: most runs stay quiet, so medians would read alike); each
    scenario's whole table is in its folder and printed with ``-v``."""
    from escsim.analysis.format import sig

    probs = [{int(r["rung"]): r for r in s["rung_probability"]} for s in summaries]
    levels = sorted({lv for p in probs for lv in p})
    shown = [lv for lv in levels
             if min(p[lv]["probability"] if lv in p else 1.0 for p in probs) < 0.5
             and max(p[lv]["probability"] if lv in p else 0.0 for p in probs) > 0] or levels
    names = {int(k): v for s in summaries for k, v in s.get("rung_names", {}).items()}
    counts = ("attacks", "us_wounded", "us_killed")
    windows = sorted({(s["start_date"], float(s["horizon_days"])) for s in summaries})
    labels = [(s.get("title") or s["scenario"])
              + (f" ({s['start_date']}+{float(s['horizon_days']):g}d)" if len(windows) > 1
                 else "") for s in summaries]
    width = max(len(label) for label in labels) + 2
    where = "; ".join(f"{h:g} days from {d}" for d, h in windows)
    lines = [f"{len(summaries)} scenarios, {summaries[0]['runs']} runs each, {where}, root seed "
             f"{summaries[0]['root_seed']}",
             "P(rung reached), mean counts per run (intervals: comparison.csv; -v: each "
             "scenario's table)"]
    if len(windows) > 1:  # rows over different windows are not comparable number for number
        lines.append("note: different windows (start+days by each name): the rows are not "
                     "comparable number for number")
    lines.append(f"  {'scenario':<{width}}" + "".join(f"{f'rung {lv}':>8}" for lv in shown)
                 + "".join(f"{c:>11}" for c in counts))
    for s, p, label in zip(summaries, probs, labels, strict=True):
        mean = {q["count"]: q["mean"] for q in s["count_quantiles"]}
        lines.append(f"  {label:<{width}}"
                     + "".join(f"{sig(p[lv]['probability']) if lv in p else '-':>8}"
                               for lv in shown)
                     + "".join(f"{sig(mean[c]) if c in mean else '-':>11}" for c in counts))
    lines.append("  rungs: " + ", ".join(f"{lv} {names.get(lv, '')}".strip() for lv in shown))
    return lines


def differences_lines(path: Path) -> list[str]:
    """The differences table of ``differences.csv``: each measure's paired difference from the
    base with its interval, in significant digits."""
    from escsim.analysis.format import sig, signed
    from escsim.results.tables import read_shaped

    table = read_shaped(Path(path).parent, "comparison", Path(path).name)
    lines = []
    for variant, rows in table.groupby("variant", sort=False):
        first = rows.iloc[0]
        lines.append(f"\n{variant} - {first['base']}: paired on {int(first['runs'])} common "
                     f"seeds ({int(first['confidence'] * 100)}% intervals)")
        windows = [(first.get(f"{who}start_date"), first.get(f"{who}horizon_days"))
                   for who in ("base_", "")]
        if "start_date" in table and windows[0] != windows[1]:
            (b_start, b_days), (v_start, v_days) = windows
            lines.append(f"  windows differ: {first['base']} from {b_start} for {b_days:g} "
                         f"days, {variant} from {v_start} for {v_days:g} days (not comparable "
                         "number for number)")
        lines.append(f"  {'measure':<25}{'base':>10}{'variant':>10}{'difference':>12}   "
                     f"{'interval':<20}{'ratio':>7}{'var. ratio':>11}")
        for r in rows.itertuples():
            ratio = r.variant_estimate / r.base_estimate if r.base_estimate else float("nan")
            lines.append(f"  {r.measure:<25}{sig(r.base_estimate):>10}"
                         f"{sig(r.variant_estimate):>10}{signed(r.difference):>12}   "
                         f"{f'[{signed(r.low)}, {signed(r.high)}]':<20}"
                         f"{sig(ratio, 3) if ratio == ratio else '-':>7}"
                         f"{sig(r.variance_ratio, 2):>11}")
    methods = "; ".join(dict.fromkeys(table["method"]))
    from escsim.apps.sweep import wrapped

    lines += wrapped(f"intervals: {methods}. ratio: variant / base (for a rung, the risk "
                     "ratio). var. ratio: variance of the paired difference over the unpaired "
                     "one (below 1: the pairing helped)", "")
    return lines


#: Where a comparison's sign was measured to rest on a contested mechanism, for the bundled
#: scenarios (``escsim compare ... --across-mechanisms``, stored by :func:`store_sign_flips`).
MEASURED_FLIPS = ("measured", "sign-flips.csv")
#: Its provenance: the command, runs, seed, version and each scenario's parameter hash.
MEASURED_PROVENANCE = ("measured", "sign-flips.json")


def _measured() -> tuple[Any, dict[str, Any]] | None:
    import pandas as pd

    from escsim.paths import scenarios_dir
    from escsim.results import read_json

    table, about = (scenarios_dir().joinpath(*p) for p in (MEASURED_FLIPS, MEASURED_PROVENANCE))
    if not table.is_file() or not about.is_file():
        return None
    return pd.read_csv(table), dict(read_json(about))


def measured_flip_lines(base: Any, variants: list[Any], horizon: float | None,
                        overrides: tuple[str, ...]) -> list[str] | None:
    """What the stored measurement says of a plain comparison's sign: the alternatives of a
    contested mechanism that reversed it for each variant, or that none did. None when the
    comparison was not measured (another scenario, a changed one -- its parameter hash differs
    from the measured one's --, overrides or another horizon)."""
    from escsim.analysis.format import signed
    from escsim.apps.sweep import wrapped

    found = _measured()
    if found is None or overrides or horizon is not None:
        return None
    table, about = found
    hashes = about.get("param_hashes", {})
    if any(hashes.get(s.scenario.name) != s.param_hash for s in (base, *variants)):
        return None
    where = (f"measured once with --across-mechanisms ({about['runs']} runs, seed "
             f"{about['seed']}, escsim {about['escsim']}; scenarios/measured/sign-flips.csv)")
    lines = []
    for v in variants:
        rows = table[(table["base"] == base.scenario.name) & (table["variant"] == v.scenario.name)]
        if rows.empty:
            lines += wrapped(f"{v.scenario.name} - {base.scenario.name}: no alternative of a "
                             f"contested mechanism reversed a sign, {where}", "")
            continue
        for (mechanism, alternative), part in rows.groupby(["mechanism", "alternative"],
                                                           sort=False):
            what = ", ".join(f"{r.measure} ({signed(r.reference_difference)} -> "
                             f"{signed(r.difference)})" for r in part.itertuples())
            lines += wrapped(f"careful: under {mechanism}={alternative} the sign of "
                             f"{v.scenario.name} - {base.scenario.name} reverses for {what}", "")
        lines += wrapped(f"  ({where}; run --across-mechanisms for these runs' own)", "")
    return lines


def store_sign_flips(folder: Path, target: Path | None = None) -> Path:
    """Store the sign flips of a finished ``escsim compare BASE VARIANT... --across-mechanisms``
    folder (its ``mechanisms.csv``) with their provenance, for plain comparisons to cite:
    ``python -m escsim.apps.comparison_text FOLDER``."""
    from escsim.paths import scenarios_dir
    from escsim.results import read_json, write_json
    from escsim.results.files import atomic_open
    from escsim.results.tables import read_shaped, read_table

    folder = Path(folder)
    table = read_shaped(folder, "comparison", "mechanisms.csv")
    reference = table[table["default"]].drop_duplicates(["mechanism", "variant", "measure"])
    flips = table[table["flips"]].merge(
        reference[["mechanism", "variant", "measure", "alternative", "difference"]]
        .rename(columns={"alternative": "in_force", "difference": "reference_difference"}),
        on=["mechanism", "variant", "measure"])
    columns = ["base", "variant", "measure", "mechanism", "in_force", "reference_difference",
               "alternative", "difference", "low", "high"]
    target = Path(target) if target is not None else scenarios_dir() / MEASURED_FLIPS[0]
    target.mkdir(parents=True, exist_ok=True)
    with atomic_open(target / MEASURED_FLIPS[1]) as fh:
        flips[columns].to_csv(fh, index=False)
    manifest = read_json(folder / "manifest.json")
    differences = read_table(folder / "differences.csv", required=("runs",), need_rows=True)
    write_json(target / MEASURED_PROVENANCE[1], {
        "about": "Where the sign of a comparison of the bundled scenarios rests on a "
                 "contested mechanism (the flips of mechanisms.csv).",
        "command": manifest.get("command", ""), "runs": int(differences["runs"].iloc[0]),
        "seed": manifest.get("root_seed"), "escsim": manifest.get("versions", {}).get("escsim"),
        "code_hash": manifest.get("code_hash"), "measured_on": manifest.get("created", ""),
        "param_hashes": {s["name"]: s["param_hash"] for s in manifest.get("scenarios", [])}})
    return target / MEASURED_FLIPS[1]


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(store_sign_flips(Path(sys.argv[1])))  # noqa: T201
