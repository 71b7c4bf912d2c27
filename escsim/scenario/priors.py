"""Parameter uncertainty: priors over a scenario's uncertain parameters, and per-replication draws.

A *priors file* (``scenarios/priors/<scenario>.toml``) names the parameters a calibration fits and
the researcher is unsure of, each with a ``scipy.stats`` distribution and the reason for it::

    [parameters."militias.iraq_factions.base_rate_per_day"]
    dist = "uniform"
    loc = 0.3          # scipy's loc/scale and the distribution's shape parameters
    scale = 1.4
    reason = "PR-A1: 170 attacks in 111 days; how much of it was excited is uncertain"

    [parameters.casualty_scale]          # one draw applied to several keys
    keys = ["weapons.rocket.casualty_prob", "weapons.drone.casualty_prob"]
    mode = "scale"                       # multiply the scenario's own values (default: "set")
    dist = "uniform"
    loc = 0.5
    scale = 1.0
    reason = "..."

Loading checks every key against the scenario (suggesting the closest key), every distribution
and its parameters, and that every value the distribution can produce is a valid value of the
parameter (its support lies inside the schema's range), so a draw can never make an invalid
scenario. A ``[calibrate]`` table holds the settings of ``escsim calibrate``
(:mod:`escsim.history.calibration`).

:class:`ParameterSampler` draws one parameter vector per replication -- from the priors, or from
a posterior sample written by ``escsim calibrate`` -- from a stream derived from the
replication's seed, so draws do not depend on the executor or the number of workers. It is the
``parameters`` hook of :func:`escsim.simulation.simulate` (``--parameter-uncertainty``).
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import io
import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escsim.errors import InputError, read_text_bounded
from escsim.paths import scenarios_dir
from escsim.scenario.keys import get_value, leaves
from escsim.scenario.patch import set_values
from escsim.scenario.schema import Scenario

#: Spawn key of the parameter stream, apart from the replication's own stream
#: (``default_rng(seed)``): ``SeedSequence(seed, spawn_key=(PARAMETER_STREAM,))``.
PARAMETER_STREAM = 0x70617261  # "para"
MODES = ("set", "scale")
PRIORS_FOLDER = "priors"
COLUMN_PREFIX = "drawn_"
#: Files of a calibration folder that ``--posterior`` reads.
POSTERIOR_FILE, PRIORS_COPY = "posterior.csv", "priors.toml"
_ENTRY_KEYS = {"keys", "mode", "dist", "reason"}


@dataclass(frozen=True)
class Target:
    """Where a prior's value goes: a dotted key, the schema's range, the scenario's own value."""

    key: str
    parts: tuple[str, ...]
    lo: float | None
    hi: float | None
    integer: bool
    base: float
    unit: str = ""


@dataclass(frozen=True)
class Prior:
    """The distribution of one uncertain parameter (applied to one or more scenario keys)."""

    name: str
    keys: tuple[str, ...]
    mode: str
    dist: str
    params: tuple[tuple[str, float], ...]
    reason: str

    @cached_property
    def frozen(self) -> Any:
        """The frozen ``scipy.stats`` distribution."""
        return getattr(stats, self.dist)(**dict(self.params))

    @property
    def column(self) -> str:
        return COLUMN_PREFIX + self.name

    def support(self) -> tuple[float, float]:
        lo, hi = self.frozen.support()
        return float(lo), float(hi)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function (uniform priors, the common case, skip scipy's overhead)."""
        if self.dist == "uniform":
            p = dict(self.params)
            return p.get("loc", 0.0) + p.get("scale", 1.0) * np.asarray(u, dtype=float)
        return np.asarray(self.frozen.ppf(u), dtype=float)

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.dist}({args})"


@dataclass(frozen=True)
class PriorSet:
    """The priors of a scenario's uncertain parameters, checked against that scenario."""

    priors: tuple[Prior, ...]
    file: str
    targets: tuple[tuple[Target, ...], ...] = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    text: str = field(default="", repr=False)

    def __len__(self) -> int:
        return len(self.priors)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.priors]

    def axis_labels(self) -> dict[str, str]:
        """Per column, what its values measure (for plots)."""
        out = {}
        for p, targets in zip(self.priors, self.targets, strict=True):
            unit = targets[0].unit if targets else ""
            out[p.column] = ("multiplier of the scenario's values" if p.mode == "scale"
                             else f"value ({unit})" if unit else "value")
        return out

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws, shape (n, parameters)."""
        u = rng.random((n, len(self.priors)))
        return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(self.priors)]) \
            if self.priors else np.empty((n, 0))

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        """Log prior density of each row of ``theta`` (-inf outside the support)."""
        theta = np.atleast_2d(theta)
        out = np.zeros(len(theta))
        with np.errstate(divide="ignore"):
            for j, p in enumerate(self.priors):
                out += p.frozen.logpdf(theta[:, j])
        return np.where(np.isnan(out), -np.inf, out)

    def quantiles(self, q: list[float]) -> np.ndarray:
        """Prior quantiles, shape (len(q), parameters)."""
        return np.column_stack([p.frozen.ppf(q) for p in self.priors])

    def apply(self, scenario: Scenario, theta: np.ndarray | list[float]) -> Scenario:
        """``scenario`` with the parameter values ``theta`` (one per prior) put in place.

        Cheap (frozen dataclasses are replaced along each key's path; nothing is re-read), and
        safe: the priors were checked at load so every value in their support is valid. The
        result keeps the base scenario's ``param_hash``; the drawn values go in the run rows.
        """
        return set_values(scenario, self.patch(scenario, theta))

    def patch(self, scenario: Scenario, theta: np.ndarray | list[float]
              ) -> tuple[tuple[str, Any], ...]:
        """The (dotted key, value) pairs that put ``theta`` in place in ``scenario``."""
        changes: list[tuple[str, Any]] = []
        for prior, targets, x in zip(self.priors, self.targets, theta, strict=True):
            for t in targets:
                value = float(x) * _get_path(scenario, t.parts) if prior.mode == "scale" \
                    else float(x)
                if (t.lo is not None and value < t.lo) or (t.hi is not None and value > t.hi):
                    raise InputError("drawn value outside the parameter's range", file=self.file,
                                     key=f"parameters.{prior.name} -> {t.key}", value=value,
                                     expected=f"{t.lo} <= value <= {t.hi}")
                changes.append((t.key, round(value) if t.integer else value))
        return tuple(changes)

    def overrides(self, scenario: Scenario, theta: np.ndarray | list[float]) -> dict[str, Any]:
        """The same values as ``--set`` overrides (for :func:`escsim.load_scenario`)."""
        out: dict[str, Any] = {}
        for prior, targets, x in zip(self.priors, self.targets, theta, strict=True):
            for t in targets:
                value = float(x) * _get_path(scenario, t.parts) if prior.mode == "scale" \
                    else float(x)
                out[t.key] = round(value) if t.integer else value
        return out


# --------------------------------------------------------------------------- scenario paths ---
def _get_path(obj: Any, parts: tuple[str, ...]) -> float:
    return float(get_value(obj, parts))


def numeric_keys(scenario: Scenario) -> dict[str, Target]:
    """Every numeric parameter of a scenario by dotted key, with its schema range."""
    return {leaf.key: Target(leaf.key, leaf.parts, leaf.info.meta.get("lo"),
                             leaf.info.meta.get("hi"), leaf.info.is_int, float(leaf.value),
                             leaf.info.unit)
            for leaf in leaves(scenario)
            if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool)}


# ---------------------------------------------------------------------------------- loading ---
def default_priors_path(scenario_name: str) -> Path:
    """``scenarios/priors/<scenario>.toml``."""
    return scenarios_dir() / PRIORS_FOLDER / f"{scenario_name}.toml"


def _display(path: Path) -> str:
    """A path as the user would write it: relative to the working directory, else to the
    bundled scenarios' parent (``scenarios/priors/...``), else absolute."""
    resolved = path.resolve()
    for root in (Path.cwd(), scenarios_dir().resolve().parent):
        try:
            return str(resolved.relative_to(root))
        except ValueError:
            continue
    return str(path)


def _hint(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _parse_prior(name: str, raw: Any, file: str, keys_of: dict[str, Target]
                 ) -> tuple[Prior, tuple[Target, ...]]:
    where = f"parameters.{name}"
    if not isinstance(raw, dict):
        raise InputError("a prior must be a table", file=file, key=where, value=raw,
                         expected='{ dist = "uniform", loc = ..., scale = ..., reason = "..." }')
    keys = raw.get("keys", [name])
    if isinstance(keys, str):
        keys = [keys]
    if not (isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)):
        raise InputError("keys must be a list of dotted scenario keys", file=file,
                         key=f"{where}.keys", value=keys, expected='["militias.NAME.KEY", ...]')
    targets = []
    for k in keys:
        if k not in keys_of:
            raise InputError("unknown scenario key" + _hint(k, list(keys_of)), file=file,
                             key=f"{where}.keys" if "keys" in raw else where, value=k,
                             expected="a numeric key of the scenario (escsim show SCENARIO)")
        targets.append(keys_of[k])
    mode = raw.get("mode", "set")
    if mode not in MODES:
        raise InputError("unknown mode" + _hint(str(mode), list(MODES)), file=file,
                         key=f"{where}.mode", value=mode, expected=" | ".join(MODES))
    dist_name = raw.get("dist")
    dist = getattr(stats, dist_name, None) if isinstance(dist_name, str) else None
    if not isinstance(dist, stats.rv_continuous):
        continuous = [n for n in dir(stats) if isinstance(getattr(stats, n), stats.rv_continuous)]
        raise InputError("unknown distribution" + _hint(str(dist_name), continuous), file=file,
                         key=f"{where}.dist", value=dist_name,
                         expected="a continuous distribution of scipy.stats (uniform, beta, "
                                  "truncnorm, loguniform, ...)")
    shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
    allowed = [*shapes, "loc", "scale"]
    params = {k: v for k, v in raw.items() if k not in _ENTRY_KEYS}
    for k, v in params.items():
        if k not in allowed:
            raise InputError(f"unknown parameter of {dist_name}" + _hint(k, allowed), file=file,
                             key=f"{where}.{k}", expected=", ".join(allowed))
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError("distribution parameter must be a finite number", file=file,
                             key=f"{where}.{k}", value=v, expected="a number")
    missing = [s for s in shapes if s not in params]
    if missing:
        raise InputError(f"{dist_name} needs shape parameter(s) " + ", ".join(missing),
                         file=file, key=where, expected=", ".join(allowed))
    reason = raw.get("reason")
    if not (isinstance(reason, str) and reason.strip()):
        raise InputError("a prior needs a reason", file=file, key=f"{where}.reason",
                         expected="why this distribution (facts it rests on, or the assumption)")
    prior = Prior(name, tuple(keys), mode, str(dist_name), tuple((k, float(v)) for k, v in
                                                             params.items()), reason.strip())
    with np.errstate(all="ignore"):
        median = float(prior.frozen.ppf(0.5))
    if not math.isfinite(median):
        raise InputError(f"invalid parameters for {dist_name}", file=file, key=where,
                         value=dict(prior.params), expected="parameters scipy.stats accepts "
                         "(e.g. scale > 0)")
    _check_support(prior, tuple(targets), file)
    return prior, tuple(targets)


def _check_support(prior: Prior, targets: tuple[Target, ...], file: str) -> None:
    """Every value the prior can produce must be a valid value of every key it sets."""
    lo, hi = prior.support()
    for t in targets:
        ends = (lo * t.base, hi * t.base) if prior.mode == "scale" else (lo, hi)
        low, high = min(ends), max(ends)
        if (t.lo is not None and low < t.lo) or (t.hi is not None and high > t.hi):
            rng = f"{'-inf' if t.lo is None else f'{t.lo:g}'} to " \
                  f"{'inf' if t.hi is None else f'{t.hi:g}'}"
            raise InputError(f"the prior reaches values outside the range of {t.key}", file=file,
                             key=f"parameters.{prior.name}", value=f"{low:g} to {high:g}",
                             expected=f"values within {rng}: choose bounded distribution "
                                      "parameters (uniform, beta, truncnorm, ...)")


def load_priors(path: str | Path, scenario: Scenario) -> PriorSet:
    """Read and check a priors file against ``scenario``.

    Raises:
        InputError: a missing file, bad TOML, an unknown key or distribution, bad parameters, or
            a prior whose values fall outside a parameter's range.
    """
    path = Path(path)
    shown = _display(path)
    try:
        text = read_text_bounded(path)
    except FileNotFoundError:
        raise InputError("priors file not found", file=shown,
                         expected=f"a priors TOML, e.g. scenarios/{PRIORS_FOLDER}/"
                                  "surge-2023.toml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read priors file: {exc}", file=shown) from None
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"invalid TOML: {exc}", file=shown) from None
    for k in doc:
        if k not in ("scenario", "parameters", "calibrate"):
            raise InputError("unknown table" + _hint(k, ["parameters", "calibrate"]), file=shown,
                             key=k, expected="scenario, [parameters.NAME], [calibrate]")
    entries = doc.get("parameters")
    if not isinstance(entries, dict) or not entries:
        raise InputError("no priors", file=shown, key="parameters",
                         expected="one [parameters.NAME] table per uncertain parameter")
    keys_of = numeric_keys(scenario)
    priors, targets = [], []
    seen: dict[str, str] = {}
    for name, raw in entries.items():
        prior, t = _parse_prior(name, raw, shown, keys_of)
        for k in prior.keys:
            if k in seen:
                raise InputError(f"key already set by prior '{seen[k]}'", file=shown,
                                 key=f"parameters.{name}", value=k,
                                 expected="each scenario key in one prior only")
            seen[k] = name
        priors.append(prior)
        targets.append(t)
    settings = doc.get("calibrate", {})
    if not isinstance(settings, dict):
        raise InputError("calibrate must be a table", file=shown, key="calibrate")
    return PriorSet(tuple(priors), shown, tuple(targets), settings, text)


def resolve_priors(scenario: Scenario, path: str | Path | None = None) -> PriorSet:
    """The priors of ``scenario``: ``path``, else ``scenarios/priors/<scenario name>.toml``."""
    if path is None:
        path = default_priors_path(scenario.scenario.name)
        if not path.is_file():
            raise InputError(f"no priors for scenario '{scenario.scenario.name}'", file=str(path),
                             expected="a priors file: give --priors PATH (e.g. "
                                      f"scenarios/{PRIORS_FOLDER}/surge-2023.toml)")
    return load_priors(path, scenario)


# ------------------------------------------------------------------------------- posterior ---
@dataclass(frozen=True)
class PosteriorSample:
    """A weighted sample of parameter vectors (rows) for the priors' parameters (columns)."""

    values: np.ndarray
    weights: np.ndarray
    file: str
    #: The file's text as read: a result folder keeps a copy, so its rows replay anywhere.
    text: str = field(default="", repr=False)

    def csv_text(self, columns: list[str]) -> str:
        """The sample as ``posterior.csv`` text (``columns`` name its parameters): the file as
        read, or -- for a sample made in memory (a calibration's check) -- its values and
        weights written so that :func:`load_posterior` reads them back bit for bit."""
        if self.text:
            return self.text
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([*columns, "weight"])
        for row, w in zip(self.values.tolist(), self.weights.tolist(), strict=True):
            writer.writerow([repr(float(x)) for x in [*row, w]])
        return buf.getvalue()


def default_posterior_path(scenario_name: str) -> Path:
    """Where ``escsim calibrate`` writes by default: ``results/calibrate-<scenario>``."""
    return Path("results") / f"calibrate-{scenario_name}"


def load_posterior(path: str | Path, scenario: Scenario,
                   priors_path: str | Path | None = None) -> tuple[PriorSet, PosteriorSample]:
    """Read a posterior sample written by ``escsim calibrate``.

    ``path`` is the calibration folder or its ``posterior.csv``; the priors (which keys each
    column sets, and how) come from the folder's ``priors.toml`` unless ``priors_path`` is given.
    """
    path = Path(path)
    csv_path = path / POSTERIOR_FILE if path.is_dir() else path
    shown = _display(csv_path)
    if not csv_path.is_file():
        raise InputError("posterior not found", file=shown,
                         expected="the folder (or posterior.csv) written by escsim calibrate; "
                                  "run escsim calibrate first or give --posterior PATH")
    priors = load_priors(priors_path or csv_path.parent / PRIORS_COPY, scenario)
    try:
        text = read_text_bounded(csv_path)
        # as text, then Python's float(): correctly rounded, so a value written with repr
        # reads back bit for bit (a replayed draw, and the content hash of a kept copy, match)
        table = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot read posterior: {exc}", file=shown) from None
    missing = [c for c in [*priors.columns, "weight"] if c not in table.columns]
    if missing:
        raise InputError("posterior lacks column(s) " + ", ".join(missing), file=shown,
                         expected="one drawn_NAME column per prior and a weight column")
    try:
        values = np.array(table[priors.columns].to_numpy(dtype=object), dtype=float)
        weights = np.array(table["weight"].to_numpy(dtype=object), dtype=float)
    except (ValueError, TypeError):
        raise InputError("posterior sample has a value that is not a number", file=shown,
                         expected="numbers in the drawn_NAME and weight columns") from None
    if len(values) == 0 or not np.all(np.isfinite(values)) or np.any(weights < 0) \
            or not np.isfinite(weights.sum()) or weights.sum() <= 0:
        raise InputError("posterior sample is empty or has bad values", file=shown,
                         expected="finite parameter values and non-negative weights")
    if np.isinf(priors.logpdf(values)).any():
        raise InputError("posterior has values outside the priors' support", file=shown,
                         expected=f"values the priors of {priors.file} allow")
    total = float(weights.sum())
    if abs(total - 1.0) > 1e-12:  # weights already summing to 1 are kept bit for bit
        weights = weights / total
    return priors, PosteriorSample(values, weights, shown, text)


# --------------------------------------------------------------------------------- sampler ---
@dataclass(frozen=True)
class ParameterSampler:
    """Draws a parameter vector per replication, from the priors or from a posterior sample.

    The draw depends only on the replication's seed (a stream apart from the replication's own),
    so the same seed gives the same parameters on any executor. Picklable.
    """

    priors: PriorSet
    posterior: PosteriorSample | None = None

    @property
    def mode(self) -> str:
        return "posterior" if self.posterior is not None else "prior"

    @property
    def columns(self) -> list[str]:
        """The extra run-table columns: ``drawn_<name>`` per uncertain parameter."""
        return self.priors.columns

    def describe(self) -> str:
        src = self.posterior.file if self.posterior is not None else self.priors.file
        return f"{len(self.priors)} parameters drawn per replication from the {self.mode} " \
               f"({src})"

    def draw(self, seed: int) -> np.ndarray:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PARAMETER_STREAM,)))
        if self.posterior is None:
            return self.priors.sample(rng, 1)[0]
        i = int(rng.choice(len(self.posterior.weights), p=self.posterior.weights))
        return self.posterior.values[i]

    def scenario_for(self, scenario: Scenario, seed: int) -> tuple[Scenario, dict[str, float]]:
        """The scenario of the replication with seed ``seed``, and the values drawn for it."""
        theta = self.draw(seed)
        values = {c: float(x) for c, x in zip(self.columns, theta, strict=True)}
        return self.priors.apply(scenario, theta), values

    def content_hash(self) -> str:
        """Hash of what the draws come from: the priors' text and the posterior sample."""
        h = hashlib.sha256(self.priors.text.encode())
        if self.posterior is not None:
            h.update(np.ascontiguousarray(self.posterior.values, dtype=float).tobytes())
            h.update(np.ascontiguousarray(self.posterior.weights, dtype=float).tobytes())
        return h.hexdigest()[:12]

    def without(self, fixed: set[str]) -> tuple[PartialSampler | None, dict[str, list[str]]]:
        """The sampler without the ``fixed`` keys (what a sweep sets at its points), and per
        prior touched, its fixed keys. None when every prior's keys are fixed.

        The full vector is still drawn and the fixed entries left out, so the free
        parameters get exactly the values they get without the fixed ones.
        """
        kept, priors, targets = [], [], []
        touched: dict[str, list[str]] = {}
        for i, (p, ts) in enumerate(zip(self.priors.priors, self.priors.targets, strict=True)):
            hit = [k for k in p.keys if k in fixed]
            if hit:
                touched[p.name] = hit
            free = tuple(t for t in ts if t.key not in fixed)
            if free:
                kept.append(i)
                priors.append(dataclasses.replace(p, keys=tuple(t.key for t in free))
                              if len(free) < len(ts) else p)
                targets.append(free)
        if not kept:
            return None, touched
        restricted = dataclasses.replace(self.priors, priors=tuple(priors),
                                         targets=tuple(targets))
        return PartialSampler(self, tuple(kept), restricted), touched


@dataclass(frozen=True)
class PartialSampler:
    """Draws the free uncertain parameters only: a :class:`ParameterSampler` without the keys
    a sweep sets at its points (:meth:`ParameterSampler.without`). Picklable.

    Attributes:
        sampler: the full sampler of the scenario's priors or posterior.
        kept: indices (into ``sampler.priors``) of the priors still drawn.
        priors: those priors, each restricted to the keys left free.
    """

    sampler: ParameterSampler
    kept: tuple[int, ...]
    priors: PriorSet

    @property
    def columns(self) -> list[str]:
        return self.priors.columns

    def scenario_for(self, scenario: Scenario, seed: int) -> tuple[Scenario, dict[str, float]]:
        """The scenario of the replication with seed ``seed`` at a point, and the drawn values."""
        theta = self.sampler.draw(seed)[list(self.kept)]
        values = {c: float(x) for c, x in zip(self.columns, theta, strict=True)}
        return self.priors.apply(scenario, theta), values


def check_uncertainty_options(mode: str, priors: str | Path | None = None,
                              posterior: str | Path | None = None) -> None:
    """The one check of ``--parameter-uncertainty``, ``--priors`` and ``--posterior`` that
    every command (run, sweep, sensitivity, backtest) makes: a known mode, and no priors or
    posterior given to a mode that would ignore them."""
    modes = ("none", "prior", "posterior")
    if mode not in modes:
        raise InputError("unknown parameter-uncertainty mode", key="--parameter-uncertainty",
                         value=mode, expected=" | ".join(modes))
    if mode == "none" and (priors is not None or posterior is not None):
        raise InputError("--priors and --posterior need --parameter-uncertainty",
                         key="--priors" if priors is not None else "--posterior",
                         value=str(priors if priors is not None else posterior),
                         expected="--parameter-uncertainty prior | posterior")
    if mode == "prior" and posterior is not None:
        raise InputError("--posterior needs --parameter-uncertainty posterior", key="--posterior",
                         value=str(posterior), expected="--parameter-uncertainty posterior")


def make_sampler(scenario: Scenario, mode: str, priors: str | Path | None = None,
                 posterior: str | Path | None = None) -> ParameterSampler | None:
    """The sampler of ``--parameter-uncertainty MODE``: each replication's uncertain parameters
    drawn from the priors or from a calibration's posterior.

    Args:
        scenario: the scenario whose parameters are drawn.
        mode: ``none``, ``prior`` or ``posterior``.
        priors: the priors file (default: ``scenarios/priors/<scenario>.toml``).
        posterior: a calibration folder or its ``posterior.csv`` (default:
            ``results/calibrate-<scenario>``).

    Returns:
        A :class:`ParameterSampler` to pass to :func:`escsim.simulate` or
        :func:`escsim.run_backtest` as ``parameters``; ``None`` for ``none``.

    Raises:
        InputError: an unknown mode, or priors or a posterior that cannot be read.
    """
    check_uncertainty_options(mode, priors, posterior)
    if mode == "none":
        return None
    if mode == "prior":
        return ParameterSampler(resolve_priors(scenario, priors))
    if mode == "posterior":
        where = posterior or default_posterior_path(scenario.scenario.name)
        prior_set, sample = load_posterior(where, scenario, priors)
        return ParameterSampler(prior_set, sample)
    raise InputError("unknown parameter-uncertainty mode", key="--parameter-uncertainty",
                     value=mode, expected="none | prior | posterior")
