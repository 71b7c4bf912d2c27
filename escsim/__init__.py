"""escsim: escalation-risk simulation of US-militia-Iran tit-for-tat exchanges.

The public API, for notebooks and scripts::

    import escsim
    s = escsim.load_scenario("baseline-2024-11")
    s2 = escsim.with_overrides(s, {"us_policy.preset": "punitive"})
    sim = escsim.simulate(s2, runs=300, seed=1)
    sim.runs            # one row per replication (pandas DataFrame)
    sim.summary()       # rung probabilities with 95% intervals, count quantiles
    escsim.compare(s, ["us-punitive"]).differences  # paired differences from s
    escsim.run_study("doctrines", "results/study").ranking  # doctrines ranked by regret
    sim.summary().rungs  # rung probabilities with 95% intervals (a DataFrame; .counts too)
    escsim.display(sim.plot_rungs())   # show a figure (in a loop, a script or a notebook)
    escsim.trace(s, seed=sim.runs.seed[0])   # one replication's event log
    escsim.read_run("results/baseline-2024-11")   # a result folder's tables read back

Results explore the consequences of stated assumptions; they are not forecasts.

Names are imported on first use (PEP 562), so ``import escsim`` and ``escsim --version`` stay
fast: numpy, pandas, scipy and SimPy load only when something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from escsim.version import __version__

#: Public name -> the module that defines it.
_PUBLIC = {
    "Fact": "escsim.facts",
    "InputError": "escsim.errors",
    "RunRecord": "escsim.engine",
    "Scenario": "escsim.scenario",
    "Simulation": "escsim.simulation",
    "bundled_scenarios": "escsim.scenario",
    "Summary": "escsim.results.summary",
    "calibrate": "escsim.history.calibration",
    "compare": "escsim.study",
    "display": "escsim.plotting.show",
    "load_facts": "escsim.facts",
    "load_observations": "escsim.history.observations",
    "load_policy_module": "escsim.apps.policies",
    "load_scenario": "escsim.scenario",
    "load_study": "escsim.study",
    "make_sampler": "escsim.scenario.priors",
    "read_record": "escsim.record",
    "read_study": "escsim.study",
    "read_run": "escsim.results.read",
    "read_sweep": "escsim.sweep",
    "replication_seed": "escsim.engine",
    "ResultFolder": "escsim.results.read",
    "run_backtest": "escsim.history.backtest",
    "run_replication": "escsim.engine",
    "run_study": "escsim.study",
    "simulate": "escsim.simulation",
    "trace": "escsim.simulation",
    "with_overrides": "escsim.scenario",
    "write_simulation": "escsim.simulation",
}

__all__ = [
    "__version__",
    "bundled_scenarios",
    "calibrate",
    "compare",
    "display",
    "Fact",
    "InputError",
    "load_facts",
    "load_observations",
    "load_policy_module",
    "load_scenario",
    "load_study",
    "make_sampler",
    "read_record",
    "read_study",
    "read_run",
    "read_sweep",
    "replication_seed",
    "ResultFolder",
    "run_backtest",
    "run_replication",
    "run_study",
    "RunRecord",
    "Scenario",
    "simulate",
    "Simulation",
    "Summary",
    "trace",
    "with_overrides",
    "write_simulation",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'escsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from escsim.apps.policies import load_policy_module
    from escsim.engine import RunRecord, replication_seed, run_replication
    from escsim.errors import InputError
    from escsim.facts import Fact, load_facts
    from escsim.history.backtest import run_backtest
    from escsim.history.calibration import calibrate
    from escsim.history.observations import load_observations
    from escsim.plotting.show import display
    from escsim.record import read_record
    from escsim.results.read import ResultFolder, read_run
    from escsim.results.summary import Summary
    from escsim.scenario import Scenario, bundled_scenarios, load_scenario, with_overrides
    from escsim.scenario.priors import make_sampler
    from escsim.simulation import Simulation, simulate, trace, write_simulation
    from escsim.study import compare, load_study, read_study, run_study
    from escsim.sweep import read_sweep
