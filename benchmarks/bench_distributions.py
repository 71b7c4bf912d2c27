"""Do two versions of the model give the same distributions? Two-sample tests over many outcomes.

A change that only makes a replication cheaper (how random numbers are derived, the order in
which a replication's tables are built) moves every seed's numbers but must leave every
distribution where it was. This script compares the per-run outcome columns of the bundled
scenarios between the code at a reference commit and the code of the working tree::

    python benchmarks/bench_distributions.py                     # 10,000 runs per scenario
    python benchmarks/bench_distributions.py --runs 2000 --scenarios surge-2023
    python benchmarks/bench_distributions.py --reference 003e96b --check
    python benchmarks/bench_distributions.py --write-reference FILE --runs 2000 ...

The reference code is exported with ``git archive`` into a temporary folder and run in a
subprocess (``--emit``), with its own scenario files; the current code runs in this process.
The two sides use different root seeds, so their samples are independent. For every outcome
column that varies, a two-sample Kolmogorov-Smirnov test (conservative for counts, whose ties it
does not model) and, for columns with few values, a chi-square test of homogeneity on the
value counts (values seen fewer than 10 times pooled); the family of tests is held at
``--alpha`` by Bonferroni's correction. ``--check`` exits 1 if any test rejects.
``tests/test_distributions.py`` runs the small version against a stored table of the reference
code's outcomes (``--write-reference``).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
#: The outlook and history scenarios compared by default (every bundled scenario).
SCENARIOS = ("baseline-2024-11", "drawdown-2025", "era-2019-20", "era-2021", "gaza-ceasefire",
             "hindsight-syria-troops", "iran-israel-shock", "pause-2024", "pause-holds",
             "surge-2023", "us-decapitation", "us-punitive", "us-restraint")
#: Per-run outcomes compared (the run table's numbers, less identifiers and the rung days, whose
#: information ``max_rung`` carries).
OUTCOMES = ("end_day", "attacks", "attacks_in_iraq", "attacks_in_syria", "attacks_in_jordan",
            "intercepted", "us_wounded", "us_killed", "us_strikes", "us_targets_struck",
            "leadership_strikes", "major_us_strikes", "militia_killed", "iran_personnel_killed",
            "iran_senior_commanders_killed", "iran_direct_attacks", "us_strikes_on_iran",
            "israeli_strikes_on_iran", "restraint_orders", "defections", "days_under_restraint",
            "troops_end", "max_rung")
#: Columns with at most this many distinct values also get a chi-square test.
FEW_VALUES = 12
#: Values seen fewer times than this (both samples together) are pooled for the chi-square test.
POOL_BELOW = 10
#: Root seeds of the two sides (different: independent samples).
REFERENCE_SEED, CURRENT_SEED = 11, 12


def outcomes(scenario: str, runs: int, seed: int) -> pd.DataFrame:
    """The outcome columns of ``runs`` runs of ``scenario`` (public API only: it runs against
    old code too)."""
    import escsim

    table = escsim.simulate(escsim.load_scenario(scenario), runs=runs, seed=seed).runs
    present = [c for c in OUTCOMES if c in table.columns]
    weapons = sorted(c for c in table.columns if c.startswith("attacks_weapon_"))
    out = table[[*present, *weapons]].astype(float)
    out.insert(0, "scenario", scenario)
    return out


def emit(scenarios: list[str], runs: int, seed: int) -> pd.DataFrame:
    return pd.concat([outcomes(s, runs, seed) for s in scenarios], ignore_index=True)


def reference_table(commit: str, scenarios: list[str], runs: int) -> pd.DataFrame:
    """The outcomes of the code at ``commit`` (exported with ``git archive``, run apart)."""
    with tempfile.TemporaryDirectory(prefix="escsim-reference-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--emit", "--runs", str(runs),
             "--seed", str(REFERENCE_SEED), "--scenarios", *scenarios],
            check=True, capture_output=True, text=True, cwd=tmp,
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"})
    return pd.read_csv(io.StringIO(out.stdout))


def tests(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per test: scenario, outcome, test, statistic, p-value."""
    rows = []
    for scenario, ref in reference.groupby("scenario", sort=False):
        cur = current[current.scenario == scenario]
        for col in [c for c in ref.columns if c != "scenario" and c in cur.columns]:
            a, b = ref[col].fillna(-1.0).to_numpy(), cur[col].fillna(-1.0).to_numpy()
            values = np.union1d(a, b)
            if len(values) == 1:
                continue  # the same constant on both sides: nothing to test
            ks = stats.ks_2samp(a, b, method="asymp")
            rows.append((scenario, col, "KS", ks.statistic, ks.pvalue))
            if len(values) <= FEW_VALUES:
                chi = chi_square(a, b, values)
                if chi is not None:
                    rows.append((scenario, col, "chi2", *chi))
    return pd.DataFrame(rows, columns=["scenario", "outcome", "test", "statistic", "p"])


def chi_square(a: np.ndarray, b: np.ndarray, values: np.ndarray) -> tuple[float, float] | None:
    """Chi-square test of homogeneity of the value counts of ``a`` and ``b`` (rare values
    pooled into one class); ``None`` when fewer than two classes remain."""
    table = np.array([[np.sum(a == v) for v in values], [np.sum(b == v) for v in values]])
    rare = table.sum(axis=0) < POOL_BELOW
    if rare.any():
        table = np.column_stack([table[:, ~rare], table[:, rare].sum(axis=1)])
        table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return None
    res = stats.chi2_contingency(table, correction=False)
    return float(res.statistic), float(res.pvalue)


def verdict(results: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The tests that reject at family-wise level ``alpha`` (Bonferroni)."""
    return results[results.p < alpha / max(1, len(results))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10_000, help="runs per scenario and side")
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    ap.add_argument("--reference", default="8fa1098",
                    help="the commit to compare with (default: before the replication speed-up)")
    ap.add_argument("--alpha", type=float, default=0.01, help="family-wise level")
    ap.add_argument("--check", action="store_true", help="exit 1 if any test rejects")
    ap.add_argument("--seed", type=int, default=CURRENT_SEED, help=argparse.SUPPRESS)
    ap.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--write-reference", metavar="FILE",
                    help="write the reference code's outcomes to FILE (.csv.gz) and stop")
    args = ap.parse_args(argv)
    if args.emit:  # the reference side, run from the exported commit
        emit(args.scenarios, args.runs, args.seed).to_csv(sys.stdout, index=False)
        return 0
    reference = reference_table(args.reference, args.scenarios, args.runs)
    if args.write_reference:
        reference.to_csv(args.write_reference, index=False, float_format="%.6g")
        print(f"wrote {args.write_reference}: {len(reference)} rows")
        return 0
    results = tests(reference, emit(args.scenarios, args.runs, args.seed))
    failed = verdict(results, args.alpha)
    print(f"{len(args.scenarios)} scenarios x {args.runs} runs per side, reference "
          f"{args.reference}: {len(results)} tests, Bonferroni at family-wise {args.alpha} "
          f"(each at {args.alpha / max(1, len(results)):.2e}); smallest p "
          f"{results.p.min():.2e}; {len(failed)} rejected")
    print(results.sort_values("p").head(10).to_string(index=False))
    return 1 if args.check and len(failed) else 0


if __name__ == "__main__":
    sys.exit(main())
