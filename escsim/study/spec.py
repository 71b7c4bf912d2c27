"""A study file: levers (what the US chooses), uncertainties (what it does not know), outcomes.

A study is a TOML file (``scenarios/studies/doctrines.toml`` is the bundled one)::

    [study]
    name = "doctrines"
    runs = 200                 # replications per doctrine x state
    seed = 20241111
    rank_by = "relative_regret"  # or one outcome's name

    [doctrines.restraint]      # a doctrine: the lever values it sets (a preset, or any
    "us_policy.preset" = "restraint"   # us_policy.* values: a parameterised family)
    [doctrines.quick_small]
    "us_policy.preset" = "proportional"
    "us_policy.delay_max_days" = 2.0

    [posture]                  # optional levers crossed with every doctrine (troop posture)
    "sites.syria.troops" = [900, 400]

    [uncertainties]
    scenarios = ["baseline-2024-11", "gaza-ceasefire"]   # the scenario ensemble
    samples = 4                # Latin hypercube samples of the ranges (per scenario)
    parameter_uncertainty = "none"   # or "prior" / "posterior": drawn per replication
    [uncertainties.ranges]
    "militias.iraq_factions.excitation_per_round" = [0.0, 2.0]
    [uncertainties.categories] # any key with named values, e.g. mechanism alternatives
    "iran.initial_posture" = ["permissive", "restraining"]

    [outcomes.us_killed]
    measure = "rung:4"         # rung:K | COLUMN>=X | COLUMN (a mean)
    direction = "min"
    threshold = 0.3            # optional: satisficing
    weight = 1.0               # optional: weight in the relative regret

    [search]                   # optional: escsim study FILE --search
    base = "proportional"      # the preset the family starts from
    population = 12
    generations = 4
    runs = 50
    [search.ranges]
    "us_policy.respond_prob.damage" = [0.0, 0.5]

Every key is a dotted scenario key and is checked by the scenario loader when the study is
planned (types, ranges, named alternatives), so a string uncertainty such as a future
``mechanisms.strike_effect = ["denial", "provocation"]`` needs nothing here.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escsim.analysis.outcomes import parse_outcome
from escsim.analysis.robustness import DIRECTIONS, RELATIVE_REGRET
from escsim.errors import InputError, read_text_bounded
from escsim.paths import SAFE_NAME_RULE, is_safe_name, studies_dir

Values = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome of a study: a measure of a run table, a direction, an optional threshold."""

    name: str
    measure: str
    direction: str = "min"
    threshold: float | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class SearchSpec:
    """The parameterised family a doctrine search explores."""

    base: tuple[tuple[str, Any], ...]
    ranges: tuple[tuple[str, float, float], ...]
    population: int = 12
    generations: int = 4
    runs: int = 50


@dataclass(frozen=True)
class StudySpec:
    """A checked study file."""

    name: str
    source: str
    doctrines: tuple[tuple[str, Values], ...]
    outcomes: tuple[OutcomeSpec, ...]
    scenarios: tuple[str, ...]
    posture: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    ranges: tuple[tuple[str, float, float], ...] = ()
    categories: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    samples: int = 0
    runs: int = 200
    seed: int = 20241111
    rank_by: str = RELATIVE_REGRET
    parameter_uncertainty: str = "none"
    priors: str | None = None
    posterior: str | None = None
    description: str = ""
    search: SearchSpec | None = None

    @property
    def directions(self) -> dict[str, str]:
        return {o.name: o.direction for o in self.outcomes}

    @property
    def thresholds(self) -> dict[str, float]:
        return {o.name: o.threshold for o in self.outcomes if o.threshold is not None}

    @property
    def weights(self) -> dict[str, float]:
        return {o.name: o.weight for o in self.outcomes}


#: The largest search a study file may ask for (population x generations doctrines evaluated).
MAX_SEARCH_POPULATION = 1_000
MAX_SEARCH_GENERATIONS = 1_000
#: The most Latin hypercube samples per scenario a study may ask for.
MAX_SAMPLES = 100_000


def _table(v: Any, file: str, key: str, expected: str = "a table of keys and values") -> Any:
    """``v`` if it is a TOML table; anything else (a number, a string, a list) is an
    :class:`InputError` naming the key."""
    if not isinstance(v, dict):
        raise InputError("must be a table", file=file, key=key, value=v, expected=expected)
    return v


def _flat(table: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` and ``{"a.b": 1}`` alike as ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _check_keys(table: Any, allowed: set[str], file: str, where: str) -> None:
    _table(table, file, where.rstrip(".") or "(top level)",
           "a table with keys " + " | ".join(f"{where}{a}" for a in sorted(allowed)))
    for k in table:
        if k not in allowed:
            raise InputError("unknown key", file=file, key=f"{where}{k}",
                             expected=" | ".join(f"{where}{a}" for a in sorted(allowed)))


def _number(v: Any, file: str, key: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError("not a number", file=file, key=key, value=v, expected="a number")
    if not math.isfinite(v):
        raise InputError("not a finite number", file=file, key=key, value=v,
                         expected="a finite number (not nan or inf)")
    return float(v)


def _whole(v: Any, file: str, key: str, low: int, high: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low or \
            (high is not None and v > high):
        raise InputError("not a whole number in range", file=file, key=key, value=v,
                         expected=f"a whole number >= {low}" if high is None else
                         f"a whole number from {low} to {high:,}")
    return int(v)


def _text(v: Any, file: str, key: str, expected: str = "a string") -> str:
    if not isinstance(v, str):
        raise InputError("must be a string", file=file, key=key, value=v, expected=expected)
    return v


def _ranges(table: Any, file: str, where: str) -> tuple[tuple[str, float, float], ...]:
    out = []
    for key, v in _flat(_table(table, file, where, "a table of KEY = [low, high]")).items():
        if not (isinstance(v, list) and len(v) == 2):
            raise InputError("a range must be [low, high]", file=file, key=f"{where}.{key}",
                             value=v, expected="[low, high], e.g. [0.0, 2.0]")
        lo = _number(v[0], file, f"{where}.{key}")
        hi = _number(v[1], file, f"{where}.{key}")
        if not lo < hi:
            raise InputError("a range's low must be below its high", file=file,
                             key=f"{where}.{key}", value=v, expected="[low, high], low < high")
        out.append((key, lo, hi))
    return tuple(out)


def _choices(table: Any, file: str, where: str) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    out = []
    for key, v in _flat(_table(table, file, where, 'a table of KEY = ["a", "b"]')).items():
        if not (isinstance(v, list) and v) or len({repr(x) for x in v}) != len(v):
            raise InputError("needs a list of distinct values", file=file, key=f"{where}.{key}",
                             value=v, expected='e.g. ["denial", "provocation"]')
        out.append((key, tuple(v)))
    return tuple(out)


#: The most characters of a doctrine or outcome name (it labels tables and figures).
MAX_LABEL = 200


def _check_label(name: str, file: str, key: str) -> None:
    if not name.strip() or len(name) > MAX_LABEL or any(ord(c) < 32 for c in name):
        raise InputError("a name must be 1-200 printable characters", file=file, key=key,
                         value=name, expected="a short name, e.g. restraint")


def resolve_study_path(ref: str | Path) -> Path:
    """A study file: a path, or the name of a bundled study (``scenarios/studies/NAME.toml``)."""
    p = Path(ref)
    if p.is_file():
        return p
    bundled = studies_dir() / f"{ref}.toml"
    if bundled.is_file():
        return bundled
    names = sorted(f.stem for f in studies_dir().glob("*.toml"))
    close = difflib.get_close_matches(str(ref), names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise InputError("study file not found" + hint, file=str(ref),
                     expected="a study TOML path or a bundled study name ("
                              + (", ".join(names) or "e.g. doctrines") + ")")


def _outcomes(outcomes_raw: Any, file: str) -> list[OutcomeSpec]:
    """The ``[outcomes.NAME]`` tables, checked."""
    if not isinstance(outcomes_raw, dict) or not outcomes_raw:
        raise InputError("a study needs outcomes", file=file, key="outcomes",
                         expected='[outcomes.NAME] with measure = "rung:4", direction = "min"')
    outcomes = []
    for oname, o in outcomes_raw.items():
        where = f"outcomes.{oname}."
        if not isinstance(o, dict):
            raise InputError("an outcome is a table", file=file, key=f"outcomes.{oname}",
                             value=o, expected="measure, direction, threshold, weight")
        _check_keys(o, {"measure", "direction", "threshold", "weight"}, file, where)
        measure = _text(o.get("measure"), file, where + "measure",
                        'e.g. "rung:4", "us_killed>=1" or a column name')
        try:
            parse_outcome(str(measure))
        except InputError as exc:
            raise InputError(exc.message, file=file, key=where + "measure", value=measure,
                             expected=exc.expected) from None
        direction = o.get("direction", "min")
        if not isinstance(direction, str) or direction not in DIRECTIONS:
            raise InputError("unknown direction", file=file, key=where + "direction",
                             value=direction, expected="min | max")
        threshold = o.get("threshold")
        weight = _number(o.get("weight", 1.0), file, where + "weight")
        if weight < 0:
            raise InputError("a weight cannot be negative", file=file, key=where + "weight",
                             value=weight, expected="a number >= 0")
        _check_label(str(oname), file, f"outcomes.{oname}")
        outcomes.append(OutcomeSpec(str(oname), str(measure), direction,
                                    None if threshold is None else
                                    _number(threshold, file, where + "threshold"), weight))
    return outcomes


def _search(s: Any, file: str) -> SearchSpec:
    """The ``[search]`` table (the doctrine search), checked."""
    _check_keys(s, {"base", "ranges", "population", "generations", "runs"}, file, "search.")
    from escsim.sweep.plan import MAX_TOTAL_RUNS
    base = s.get("base", "proportional")
    if not isinstance(base, str):
        raise InputError("the search's base is a preset name", file=file, key="search.base",
                         value=base, expected='e.g. "proportional"')
    sranges = _ranges(s.get("ranges", {}), file, "search.ranges")
    if not sranges:
        raise InputError("a search needs ranges of lever values", file=file,
                         key="search.ranges", expected='e.g. "us_policy.delay_max_days" '
                                                       "= [1.0, 10.0]")
    population = _whole(s.get("population", 12), file, "search.population", 4,
                        MAX_SEARCH_POPULATION)
    generations = _whole(s.get("generations", 4), file, "search.generations", 1,
                         MAX_SEARCH_GENERATIONS)
    runs = _whole(s.get("runs", 50), file, "search.runs", 1, MAX_TOTAL_RUNS)
    if population * generations * runs > MAX_TOTAL_RUNS:
        raise InputError(f"the search asks for {population * generations * runs:,} "
                         f"replications per state, more than the {MAX_TOTAL_RUNS:,} one command "
                         "runs", file=file, key="search.runs", value=runs,
                         expected="a smaller population x generations x runs")
    return SearchSpec((("us_policy.preset", base),), sranges, population, generations, runs)


def _doctrines(doctrines_raw: Any, file: str) -> list[tuple[str, tuple[tuple[str, Any], ...]]]:
    """The ``[doctrines.NAME]`` tables: at least two, each setting at least one lever."""
    if not isinstance(doctrines_raw, dict) or not doctrines_raw:
        raise InputError("a study needs doctrines to compare", file=file, key="doctrines",
                         expected='[doctrines.NAME] tables, e.g. "us_policy.preset" = "restraint"')
    doctrines = []
    for dname, table in doctrines_raw.items():
        if not isinstance(table, dict) or not table:
            raise InputError("a doctrine sets at least one lever", file=file,
                             key=f"doctrines.{dname}", value=table,
                             expected='e.g. "us_policy.preset" = "restraint"')
        doctrines.append((str(dname), tuple(sorted(_flat(table).items()))))
        _check_label(str(dname), file, f"doctrines.{dname}")
    if len(doctrines) < 2:
        raise InputError("a study compares at least two doctrines", file=file, key="doctrines",
                         value=[d for d, _ in doctrines], expected="two or more [doctrines.NAME]")
    return doctrines


def _check_size(doctrines: list[Any], posture: Any, categories: Any, samples: int,
                ranges: Any, scenarios: list[str], runs: int, file: str) -> None:
    """The size of the study, from its counts, before any state or doctrine is built."""
    from escsim.sweep.plan import MAX_DESIGN_POINTS, MAX_TOTAL_RUNS

    n_doctrines = len(doctrines) * math.prod(len(v) for _, v in posture)
    n_states = math.prod(len(v) for _, v in categories) * (samples if ranges else 1)
    n_points = n_doctrines * n_states
    if n_points > MAX_DESIGN_POINTS:
        raise InputError(f"the study has {n_points:,} doctrine x state points "
                         f"({n_doctrines:,} doctrines x {n_states:,} states), more than the "
                         f"{MAX_DESIGN_POINTS:,} one study plans", file=file,
                         key="uncertainties.categories" if categories else
                         "uncertainties.samples" if ranges else "posture",
                         expected="fewer categories, samples or posture levels, or several "
                                  "studies over slices of them")
    total = n_points * len(scenarios) * runs
    if total > MAX_TOTAL_RUNS:
        raise InputError(f"the study asks for {total:,} replications, more than the "
                         f"{MAX_TOTAL_RUNS:,} one command runs", file=file, key="study.runs",
                         value=runs, expected="fewer runs, states or doctrines")


def load_study(ref: str | Path) -> StudySpec:
    """Read and check a study file (the keys' values are checked by the loader at planning).

    Args:
        ref: a study TOML path, or the name of a bundled study (``doctrines``).

    Returns:
        A :class:`StudySpec`; :func:`escsim.run_study` runs it.

    Raises:
        InputError: the file is missing or not TOML, or a table, key or value is wrong (the
            message names the file and the key).
    """
    path = resolve_study_path(ref)
    file = str(path)
    try:
        data = tomllib.loads(read_text_bounded(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the study file ({exc})", file=file) from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"not valid TOML ({exc})", file=file) from None
    _check_keys(data, {"study", "doctrines", "posture", "uncertainties", "outcomes", "search"},
                file, "")
    head = data.get("study", {})
    _check_keys(head, {"name", "description", "runs", "seed", "rank_by"}, file, "study.")
    name = _text(head.get("name", path.stem), file, "study.name", SAFE_NAME_RULE)
    if not is_safe_name(name):  # it names the result folder (results/study-NAME)
        raise InputError("a study name is used as a folder name", file=file, key="study.name",
                         value=name, expected=SAFE_NAME_RULE)
    from escsim.sweep.plan import MAX_TOTAL_RUNS

    runs = _whole(head.get("runs", 200), file, "study.runs", 1, MAX_TOTAL_RUNS)
    seed = _whole(head.get("seed", 20241111), file, "study.seed", 0)

    doctrines = _doctrines(data.get("doctrines"), file)
    posture = _choices(data.get("posture", {}), file, "posture")

    unc = _table(data.get("uncertainties", {}), file, "uncertainties")
    _check_keys(unc, {"scenarios", "samples", "ranges", "categories", "parameter_uncertainty",
                      "priors", "posterior"}, file, "uncertainties.")
    scenarios = unc.get("scenarios", ["baseline-2024-11"])
    if not (isinstance(scenarios, list) and scenarios and all(isinstance(s, str)
                                                              for s in scenarios)):
        raise InputError("needs a list of scenario names or paths", file=file,
                         key="uncertainties.scenarios", value=scenarios,
                         expected='e.g. ["baseline-2024-11", "gaza-ceasefire"]')
    ranges = _ranges(unc.get("ranges", {}), file, "uncertainties.ranges")
    samples = _whole(unc.get("samples", 4 if ranges else 0), file, "uncertainties.samples", 0,
                     MAX_SAMPLES)
    if ranges and samples < 1:
        raise InputError("ranges need samples", file=file, key="uncertainties.samples",
                         value=samples, expected="a whole number >= 1")
    categories = _choices(unc.get("categories", {}), file, "uncertainties.categories")
    pu = unc.get("parameter_uncertainty", "none")
    if not isinstance(pu, str) or pu not in ("none", "prior", "posterior"):
        raise InputError("unknown parameter uncertainty", file=file,
                         key="uncertainties.parameter_uncertainty", value=pu,
                         expected="none | prior | posterior")

    for key in ("priors", "posterior"):
        if unc.get(key) is not None:
            _text(unc[key], file, f"uncertainties.{key}", "a file path")
    outcomes = _outcomes(data.get("outcomes"), file)
    rank_by = head.get("rank_by", RELATIVE_REGRET)
    if not isinstance(rank_by, str) or \
            rank_by != RELATIVE_REGRET and rank_by not in {o.name for o in outcomes}:
        raise InputError("rank_by names no outcome", file=file, key="study.rank_by",
                         value=rank_by, expected=" | ".join([RELATIVE_REGRET,
                                                             *(o.name for o in outcomes)]))
    search = _search(data["search"], file) if "search" in data else None
    description = _text(head.get("description", ""), file, "study.description")
    _check_size(doctrines, posture, categories, samples, ranges, scenarios, runs, file)
    return StudySpec(name=name, source=file, doctrines=tuple(doctrines),
                     outcomes=tuple(outcomes), scenarios=tuple(scenarios), posture=posture,
                     ranges=ranges, categories=categories, samples=samples, runs=runs,
                     seed=seed, rank_by=str(rank_by), parameter_uncertainty=pu,
                     priors=unc.get("priors"), posterior=unc.get("posterior"),
                     description=description, search=search)
