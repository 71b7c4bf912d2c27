"""Does the calibration to the record recover the truth? (issue 20, item 2; not a unit test)

Synthetic records are simulated from known parameters drawn from the prior
(``scenarios/priors/record.toml``), each in the four eras, and each is fitted exactly as the
record is (``escsim calibrate --record``), with one shared reference table of prior simulations
(``escsim.history.learning.recovery``). Printed per parameter: the share of truths inside the
posterior's 50% and 90% central intervals with an exact binomial 95% interval for it, and a
simulation-based-calibration rank test (Talts et al. 2018: the truth's rank among the posterior,
here its weighted posterior CDF value, uniform on [0, 1] when the posterior is calibrated;
chi-square over five bins and Kolmogorov-Smirnov). Then the fit to the record itself: the
posterior sd of each parameter over its prior's.

Passes when every parameter's 90% coverage interval holds 0.9 and no rank test rejects
uniformity at 0.01 / parameters (Bonferroni); ``--check`` exits 1 otherwise.

    python benchmarks/bench_calibration.py [--quick] [--table-size N] [--truths N] [--check]
    python benchmarks/bench_calibration.py --write-docs   # also rewrite the generated block
                                                          # of docs/explanation/calibration.md
    python benchmarks/bench_calibration.py --select       # how the statistics were chosen: the
                                                          # cross-validated R² without each one

Default: a 10,000-row table and 100 truths, about 10-15 minutes on two shared cores;
``--quick``: 2,000 rows and 20 truths, about 2-3 minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 20 truths")
    parser.add_argument("--table-size", type=int)
    parser.add_argument("--truths", type=int)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="exit 1 if the checks fail")
    parser.add_argument("--table-cache", metavar="FILE.npz",
                        help="keep the reference table in this file and reuse it when its "
                             "size and seed match (refits without simulating again)")
    parser.add_argument("--select", action="store_true",
                        help="print the five-fold cross-validated R² over the table with all "
                             "the statistics and without each (no look at the record)")
    parser.add_argument("--write-docs", action="store_true",
                        help="rewrite the generated block of docs/explanation/calibration.md")
    args = parser.parse_args(argv)
    size = args.table_size or (2_000 if args.quick else 10_000)
    truths = args.truths or (20 if args.quick else 100)

    import pandas as pd

    from escsim.executors import make_executor
    from escsim.history.learning import FIT_ERAS, fit_record, recovery
    from escsim.history.learning_output import NARROWED, recovery_verdict, width_lines
    from escsim.paths import scenarios_dir
    from escsim.scenario import load_scenario
    from escsim.scenario.priors import load_priors

    scenarios = [load_scenario(name) for name in FIT_ERAS]
    priors = load_priors(scenarios_dir() / "priors" / "record.toml",
                         scenarios[FIT_ERAS.index("surge-2023")])
    print(f"load average {os.getloadavg()[0]:.1f}; table {size} rows, {truths} synthetic "
          f"truths, {args.jobs} workers, seed {args.seed}")
    t0 = time.perf_counter()
    with make_executor("process", args.jobs) as ex:
        table = cached_table(args.table_cache, scenarios, priors, size, args.seed, ex)
        if args.select:
            print_selection(table)
            return 0
        t1 = time.perf_counter()
        rec = recovery(table, truths, args.seed, ex)
    t2 = time.perf_counter()
    fit = fit_record(scenarios, priors, size, args.seed, table=table)
    print(f"reference table {t1 - t0:.0f} s; synthetic truths simulated and fitted "
          f"{t2 - t1:.0f} s")
    cov = rec.coverage_table()
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\nrecovery of known parameters (coverage: share of truths inside the interval, "
              "[exact binomial 95% CI]; rank p-values: chi-square, KS)")
        for r in cov.itertuples():
            print(f"  {r.parameter:<32} 50%: {r.coverage_50:.2f} [{r.coverage_50_low:.2f}, "
                  f"{r.coverage_50_high:.2f}]  90%: {r.coverage_90:.2f} "
                  f"[{r.coverage_90_low:.2f}, {r.coverage_90_high:.2f}]  ranks p "
                  f"{r.rank_chi2_p:.3f}, {r.rank_ks_p:.3f}  sd ratio {r.mean_sd_ratio:.2f}")
    ok, failures = recovery_verdict(cov)
    print("recovery check: " + ("PASS" if ok else "FAIL"))
    for f in failures:
        print(f"  {f}")
    summary = fit.summary_table()
    print("\nthe record: posterior against prior")
    print("\n".join(width_lines(summary)))
    narrowed = int((summary["sd_ratio"] <= NARROWED).sum())
    print(f"{narrowed} of {len(summary)} parameters with posterior sd at most {NARROWED} of the "
          f"prior's (goal: at least 5)")
    if args.write_docs:
        write_docs(fit, cov, size, truths, args.seed, ok, failures)
    return 0 if (ok and narrowed >= 5) or not args.check else 1


def print_selection(table: object) -> None:
    """The mean over the parameters of the held-out R² of their fitted summaries, with every
    statistic and with each left out (in every era): how the statistics are chosen, on the
    table alone."""
    import numpy as np

    from escsim.history.learning import STATISTICS
    from escsim.history.regression_abc import cross_validated_r2

    z = table.probits(table.thetas)  # type: ignore[attr-defined]
    stats = table.stats  # type: ignore[attr-defined]
    names = [name for name, _, _ in STATISTICS]
    era = np.arange(stats.shape[1]) % len(names)
    full = cross_validated_r2(z, stats)
    print(f"five-fold cross-validated R², mean over parameters: {full.mean():.4f} with all "
          f"{len(names)} statistics; without each:")
    for j, name in enumerate(names):
        without = cross_validated_r2(z, stats[:, era != j])
        print(f"  {name:<30} {without.mean():.4f}  ({without.mean() - full.mean():+.4f})")


def cached_table(cache: str | None, scenarios: list, priors: object, size: int, seed: int,
                 executor: object) -> object:
    """The reference table: read from ``cache`` when it holds this size and seed, else built
    (and kept there)."""
    from pathlib import Path

    import numpy as np

    from escsim.history.learning import ReferenceTable, build_table

    if cache and Path(cache).is_file():
        kept = np.load(cache)
        if int(kept["seed"]) == seed and len(kept["thetas"]) == size:
            return ReferenceTable(priors, tuple(scenarios), kept["thetas"], kept["stats"], seed)
    table = build_table(scenarios, priors, size, seed, executor)
    if cache:
        np.savez(cache, thetas=table.thetas, stats=table.stats, seed=seed)
    return table


def write_docs(fit: object, cov: object, size: int, truths: int, seed: int, ok: bool,
               failures: list[str]) -> None:
    """Rewrite the block between the markers of docs/explanation/calibration.md."""
    from pathlib import Path

    from escsim.history.learning_output import (
        NARROWED,
        recovery_markdown,
        width_markdown,
    )

    page = Path(__file__).resolve().parents[1] / "docs" / "explanation" / "calibration.md"
    start, end = "<!-- calibration:start -->", "<!-- calibration:end -->"
    table = fit.summary_table()  # type: ignore[attr-defined]
    s = fit.summary()  # type: ignore[attr-defined]
    unidentified = table.loc[~table["identified"], "parameter"].tolist()
    block = [start, "",
             f"*Generated by `python benchmarks/bench_calibration.py --write-docs` (reference "
             f"table of {size} prior draws, each run once in every era; {s['accepted']} rows "
             f"kept, effective sample size {s['effective_sample_size']}; {truths} synthetic "
             f"truths; root seed {seed}).*", "",
             "### The record: posterior against prior", "", *width_markdown(table), "",
             f"**{int((table['sd_ratio'] <= NARROWED).sum())} of {len(table)}** parameters have "
             f"a posterior sd at most {NARROWED} of the prior's. Unidentified (posterior sd "
             f"above 0.9 of the prior's): "
             f"{', '.join(f'`{u}`' for u in unidentified) or 'none'}.", "",
             "### Recovery of known parameters", "",
             *recovery_markdown(cov),  # type: ignore[arg-type]
             "", "Verdict: " + ("**pass**" if ok else "**fail**: " + "; ".join(failures)) + ".",
             "", end]
    text = page.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    page.write_text(head + "\n".join(block) + tail, encoding="utf-8")
    print(f"wrote {page}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
