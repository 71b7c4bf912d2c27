"""What the fit to the record writes and prints: the posterior's width per parameter against its
prior (console lines, Markdown tables), the recovery check's coverage and ranks, and the result
folder of ``escsim calibrate --record`` (written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from escsim.history.learning import UNIDENTIFIED_RATIO, LearnedPosterior

#: The width the issue asks of an identified parameter: posterior sd / prior sd at most this.
NARROWED = 0.6


def _cells(r: Any) -> tuple[str, str, str]:
    """A row of the width table: the name (marked when unidentified), the prior's 90% interval,
    the posterior's median and 90% interval."""
    name = r.parameter if r.identified else f"{r.parameter} (unidentified)"
    return (name, f"[{r.prior_q05:.3g}, {r.prior_q95:.3g}]",
            f"{r.posterior_q50:.3g} [{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]")


def width_lines(table: pd.DataFrame) -> list[str]:
    """The posterior's width against the prior's, one console line per parameter."""
    lines = [f"  {'parameter':<46}{'prior 90%':>20}{'posterior median [90%]':>30}"
             f"{'sd / prior sd':>15}"]
    for r in table.itertuples():
        name, prior, post = _cells(r)
        lines.append(f"  {name:<46}{prior:>20}{post:>30}{r.sd_ratio:>15.2f}")
    return lines


def width_markdown(table: pd.DataFrame) -> list[str]:
    """The posterior-versus-prior table (Markdown)."""
    rows = [(*_cells(r), r.prior, r.sd_ratio, r.r_squared) for r in table.itertuples()]
    return ["| parameter | prior | prior 90% | posterior median [90%] | posterior sd / prior "
            "sd | R² of its fitted summary |", "|---|---|---|---|---:|---:|",
            *(f"| {n} | {d} | {p} | {q} | {sd:.2f} | {r2:.2f} |"
              for n, p, q, d, sd, r2 in rows)]


def recovery_markdown(table: pd.DataFrame) -> list[str]:
    """The recovery check's table (Markdown): coverage with binomial intervals and ranks."""
    lines = ["| parameter | truths | 50% coverage [95% CI] | 90% coverage [95% CI] | rank "
             "chi-square p | rank KS p | mean sd ratio |", "|---|---:|---|---|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(
            f"| {r.parameter} | {r.truths} | {r.coverage_50:.2f} [{r.coverage_50_low:.2f}, "
            f"{r.coverage_50_high:.2f}] | {r.coverage_90:.2f} [{r.coverage_90_low:.2f}, "
            f"{r.coverage_90_high:.2f}] | {r.rank_chi2_p:.3f} | {r.rank_ks_p:.3f} | "
            f"{r.mean_sd_ratio:.2f} |")
    return lines


def recovery_verdict(table: pd.DataFrame, alpha: float = 0.01) -> tuple[bool, list[str]]:
    """Whether the recovery check passes, and what fails: each parameter's 90% coverage
    interval must hold 0.9 and its rank tests must not reject uniformity at ``alpha`` divided by
    the number of parameters (Bonferroni)."""
    level = alpha / max(len(table), 1)
    failures = []
    for r in table.itertuples():
        if not r.coverage_90_ok:
            failures.append(f"{r.parameter}: 90% coverage {r.coverage_90:.2f}, binomial 95% "
                            f"interval [{r.coverage_90_low:.2f}, {r.coverage_90_high:.2f}]")
        if min(r.rank_chi2_p, r.rank_ks_p) < level:
            failures.append(f"{r.parameter}: ranks not uniform (chi-square p "
                            f"{r.rank_chi2_p:.3g}, KS p {r.rank_ks_p:.3g} < {level:.3g})")
    return not failures, failures


def report_markdown(fit: LearnedPosterior, command: str | None = None,
                    figure: bool = False) -> str:
    """The report of a fit to the record (``report.md``)."""
    t = fit.summary_table()
    s = fit.summary()
    lines = [f"# Calibration to the record: {', '.join(fit.table.eras)} jointly", "",
             f"{s['method']}. Reference table of {s['table_size']} prior draws of "
             f"`{s['priors_file']}`, each run once in every era; the {s['accepted']} nearest "
             f"to the record kept (effective sample size {s['effective_sample_size']}); root "
             f"seed {s['root_seed']}.", "",
             f"**{s['narrowed_to_0.6']} of {len(t)} parameters** have a posterior sd at most "
             f"{NARROWED} of the prior's.", "",
             "> The posterior is conditional on the model's stylised decision rules and on a "
             "short, press-reported record: it says which values make the model's summaries "
             "look like the record's, not what the parameters 'really' are.", "",
             "## Posterior against prior", "", *width_markdown(t), "",
             f"A parameter whose posterior sd is above {UNIDENTIFIED_RATIO} of its prior's is "
             "marked unidentified: the record's summaries say little about it, and the "
             "scenarios keep its value as a stated assumption. R² is the share of the "
             "parameter's prior variance (probit scale) that the statistics explain over the "
             "table.", "",
             "## The statistics", "",
             "`statistics.csv`: each statistic of each era on the record beside its 90% range "
             "over the table (prior predictive) and over the accepted rows.", ""]
    if figure:
        lines += ["## Plots", "", "![prior and posterior](plots/prior_posterior.png)", ""]
    if command:
        lines += ["## Reproduce", "", "```", command, "```", ""]
    return "\n".join(lines)


def write_learned(fit: LearnedPosterior, out: Path, force: bool = False,
                  command: str | None = None, plots: bool = True) -> Path:
    """Write the folder atomically: ``posterior.csv`` (what ``--parameter-uncertainty
    posterior`` reads), ``posterior_summary.csv``, ``statistics.csv``, ``prior_predictive.csv``
    (the table's prior draws), ``summary.json``, ``priors.toml``, ``manifest.json``,
    ``columns.json``, ``report.md`` and ``plots/prior_posterior.png``."""
    from escsim.results import atomic_folder, atomic_write_text, write_json
    from escsim.results.columns import write_columns
    from escsim.results.provenance import write_folder_manifest
    from escsim.scenario.priors import PRIORS_COPY

    with atomic_folder(Path(out), force=force) as tmp:
        fit.posterior_csv().to_csv(tmp / "posterior.csv", index=False)
        fit.summary_table().to_csv(tmp / "posterior_summary.csv", index=False)
        fit.statistics_table().to_csv(tmp / "statistics.csv", index=False)
        prior = pd.DataFrame(fit.table.thetas, columns=fit.table.priors.columns)
        prior.to_csv(tmp / "prior_predictive.csv", index=False)
        figures = {}
        if plots:
            from escsim.plotting.history import plot_prior_posterior, save_figure

            posterior = fit.posterior_csv()
            figures["prior_posterior"] = save_figure(
                plot_prior_posterior(prior, posterior, fit.table.priors.columns,
                                     posterior["weight"].tolist(),
                                     xlabels=fit.table.priors.axis_labels(),
                                     title="the shared behaviour: prior (grey) and posterior "
                                           "given the record's summaries"),
                tmp / "plots" / "prior_posterior.png")
        summary: dict[str, Any] = fit.summary()
        write_json(tmp / "summary.json", summary)
        write_folder_manifest(tmp, "calibrate", list(fit.table.scenarios), fit.table.seed)
        atomic_write_text(tmp / PRIORS_COPY, fit.table.priors.text)
        atomic_write_text(tmp / "report.md", report_markdown(fit, command, bool(figures)))
        write_columns(tmp)
    return Path(out)
