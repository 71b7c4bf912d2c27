"""Parameter uncertainty in a sweep: each point x replication draws the uncertain parameters the
sweep leaves free.

With ``--parameter-uncertainty prior|posterior`` every replication of every point draws its
uncertain parameters (:mod:`escsim.scenario.priors`) from a stream derived from its own replication
seed, so the draws depend on neither the executor, the workers nor the chunking, and a point
with seed key ``d`` draws what ``escsim run`` draws for the same seeds. A key the sweep sets at a
point is not drawn there: the point's value stands. Those keys are

* the swept keys themselves, and
* keys whose value a swept value changes through a reload -- a ``us_policy.preset`` sets
  ``us_policy.respond_prob.*`` and more -- found by comparing the point scenarios with the
  scenario as loaded.

A prior whose keys are all fixed is dropped (no ``drawn_`` column); a prior with several keys,
some fixed, still draws one value for the rest. The other priors draw exactly the values they
draw without the sweep (the full vector is drawn, then the fixed entries are left out), and
posterior draws keep the chosen particle's values of the free parameters (its marginal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escsim.errors import InputError
from escsim.scenario.priors import (
    PARAMETER_STREAM,
    ParameterSampler,
    PartialSampler,
    _check_support,
    _get_path,
    check_uncertainty_options,
    make_sampler,
    numeric_keys,
)
from escsim.scenario.schema import Scenario

MODES = ("none", "prior", "posterior")
#: Where a result folder keeps the priors and posterior its rows drew from.
PARAMETERS_DIR = "parameters"


@dataclass(frozen=True)
class ScenarioUncertainty:
    """What one swept scenario draws: files, content hash, the drawn and the fixed priors."""

    scenario: str
    draws: PartialSampler | None
    priors_file: str
    posterior_file: str | None
    content_sha256: str
    #: prior name -> its keys the sweep fixes (every key: the prior is dropped).
    fixed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def dropped(self) -> list[str]:
        kept = {p.name for p in self.draws.priors.priors} if self.draws is not None else set()
        return [name for name in self.fixed if name not in kept]

    def kept(self) -> dict[str, str]:
        """Where a result folder keeps the draws' sources (relative to the folder): the priors,
        and the posterior sample with ``posterior``, so ``escsim trace DIR --replication K``
        redraws a row's parameters wherever the folder goes."""
        if self.draws is None:
            return {}
        out = {"priors": f"{PARAMETERS_DIR}/{self.scenario}.priors.toml"}
        if self.draws.sampler.posterior is not None:
            out["posterior"] = f"{PARAMETERS_DIR}/{self.scenario}.posterior.csv"
        return out

    def copies(self) -> dict[str, str]:
        """The text of each kept file, by its path in the folder (as read: byte for byte)."""
        if self.draws is None:
            return {}
        sampler = self.draws.sampler
        texts = {"priors": sampler.priors.text,
                 "posterior": "" if sampler.posterior is None else
                 sampler.posterior.csv_text(sampler.priors.columns)}
        return {path: texts[kind] for kind, path in self.kept().items()}

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "priors": self.priors_file,
                "posterior": self.posterior_file, "content_sha256": self.content_sha256,
                "drawn": [] if self.draws is None else self.draws.priors.names,
                "fixed_by_sweep": self.fixed, "dropped": self.dropped, "kept": self.kept()}

    def describe(self, mode: str) -> str:
        n = 0 if self.draws is None else len(self.draws.priors)
        src = self.posterior_file if mode == "posterior" else self.priors_file
        text = f"{self.scenario}: {n} parameters drawn per replication from the {mode} ({src})"
        if self.fixed:
            parts = [name if name in self.dropped else f"{name} ({', '.join(keys)})"
                     for name, keys in self.fixed.items()]
            text += "; fixed by the sweep, not drawn: " + ", ".join(parts)
        return text


@dataclass(frozen=True)
class SweepUncertainty:
    """The parameter uncertainty of a sweep: its mode and, per scenario, what is drawn."""

    mode: str
    scenarios: tuple[ScenarioUncertainty, ...]

    @property
    def columns(self) -> list[str]:
        """The ``drawn_`` columns of the run table (the union over scenarios, in order)."""
        cols: dict[str, None] = {}
        for s in self.scenarios:
            if s.draws is not None:
                cols.update(dict.fromkeys(s.draws.columns))
        return list(cols)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode,
                "rule": f"drawn from SeedSequence(seed, spawn_key=({PARAMETER_STREAM:#x},)) of "
                        "each row's seed; keys the sweep sets at a point are not drawn",
                "columns": self.columns,
                "scenarios": [s.to_json() for s in self.scenarios]}

    def describe(self) -> list[str]:
        return [s.describe(self.mode) for s in self.scenarios]


def _set_by_reload(scenario: Scenario, bases: Sequence[Scenario], keys: Sequence[str]
                   ) -> set[str]:
    """The ``keys`` whose value differs between ``scenario`` and one of the point ``bases``
    (a swept value that reloads the scenario, such as a policy preset, sets them)."""
    def value(s: Scenario, parts: tuple[str, ...]) -> float | None:
        try:
            return _get_path(s, parts)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None  # not a number there: not drawable at that point either

    out = set()
    for k in keys:
        parts = tuple(k.split("."))
        own = value(scenario, parts)
        if any(value(b, parts) != own for b in bases if b is not scenario):
            out.add(k)
    return out


def _check_bases(draws: PartialSampler, bases: Sequence[Scenario]) -> None:
    """Every drawn value is valid at every point: the priors' keys exist in each point scenario
    and their support lies in range there (a reload can change a scaled key's value)."""
    ps = draws.priors
    for base in bases:
        keys_of = numeric_keys(base)
        for p in ps.priors:
            missing = [k for k in p.keys if k not in keys_of]
            if missing:
                raise InputError("a prior's key is not a number of a swept scenario", file=ps.file,
                                 key=f"parameters.{p.name}", value=missing[0],
                                 expected=f"a numeric key of {base.scenario.name} at every "
                                          "point of the sweep")
            _check_support(p, tuple(keys_of[k] for k in p.keys), ps.file)


def plan_uncertainty(mode: str, priors: str | Path | None, posterior: str | Path | None,
                     scenarios: Sequence[Scenario], bases_of: Sequence[Sequence[Scenario]],
                     swept: Sequence[str]) -> SweepUncertainty | None:
    """The samplers of a sweep, one per scenario, without the keys the sweep sets.

    Args:
        mode: ``none``, ``prior`` or ``posterior``.
        priors: priors file (default: ``scenarios/priors/<scenario>.toml``, or the posterior
            folder's ``priors.toml``).
        posterior: calibration folder or ``posterior.csv`` (default:
            ``results/calibrate-<scenario>``).
        scenarios: the swept scenarios, as loaded (with the sweep's overrides).
        bases_of: per scenario, the scenarios its points are built on (reloads included).
        swept: the swept keys.

    Raises:
        InputError: an unknown mode, a missing file, a bad prior (as ``escsim run``), a prior
            that is invalid at some point, or ``priors``/``posterior`` without a mode using them.
    """
    check_uncertainty_options(mode, priors, posterior)
    if mode == "none":
        return None
    out = []
    for s, bases in zip(scenarios, bases_of, strict=True):
        sampler = make_sampler(s, mode, priors, posterior)
        assert sampler is not None
        prior_keys = [k for p in sampler.priors.priors for k in p.keys]
        fixed = {k for k in prior_keys if k in set(swept)} | _set_by_reload(s, bases, prior_keys)
        draws, touched = sampler.without(fixed)
        if draws is not None:
            _check_bases(draws, bases)
        out.append(ScenarioUncertainty(
            s.scenario.name, draws, sampler.priors.file,
            sampler.posterior.file if sampler.posterior is not None else None,
            sampler.content_hash(), touched))
    return SweepUncertainty(mode, tuple(out))


def single_uncertainty(scenario: Scenario, sampler: ParameterSampler) -> SweepUncertainty:
    """The parameter uncertainty of ``escsim run``: every prior drawn, nothing fixed."""
    draws, _ = sampler.without(set())
    return SweepUncertainty(sampler.mode, (ScenarioUncertainty(
        scenario.scenario.name, draws, sampler.priors.file,
        sampler.posterior.file if sampler.posterior is not None else None,
        sampler.content_hash()),))
