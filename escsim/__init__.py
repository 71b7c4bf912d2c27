"""escsim: escalation-risk simulation of US-militia-Iran tit-for-tat exchanges.

The public API, for notebooks and scripts::

    import escsim
    s = escsim.load_scenario("baseline-2024-11")
    s2 = escsim.with_overrides(s, {"us_policy.preset": "punitive"})
    sim = escsim.simulate(s2, runs=300, seed=1)
    sim.runs            # one row per replication (pandas DataFrame)
    sim.summary()       # rung probabilities with 95% intervals, count quantiles
    escsim.trace(s, seed=sim.runs.seed[0])   # one replication's event log

Results explore the consequences of stated assumptions; they are not forecasts.
"""

from escsim.backtest import run_backtest  # noqa: E402
from escsim.calibration import calibrate  # noqa: E402
from escsim.engine import RunRecord, replication_seed, run_replication  # noqa: E402
from escsim.errors import InputError  # noqa: E402
from escsim.facts import Fact, load_facts  # noqa: E402
from escsim.observations import load_observations  # noqa: E402
from escsim.runner import Simulation, simulate, write_simulation  # noqa: E402
from escsim.scenario import (  # noqa: E402
    Scenario,
    bundled_scenarios,
    load_scenario,
    with_overrides,
)
from escsim.sweep import read_sweep  # noqa: E402  (escsim.sweep.sweep runs one)
from escsim.tracing import trace  # noqa: E402
from escsim.uncertainty import make_sampler  # noqa: E402
from escsim.version import __version__

__all__ = [
    "Fact",
    "InputError",
    "RunRecord",
    "Scenario",
    "Simulation",
    "__version__",
    "bundled_scenarios",
    "calibrate",
    "load_facts",
    "load_observations",
    "load_scenario",
    "make_sampler",
    "read_sweep",
    "replication_seed",
    "run_backtest",
    "run_replication",
    "simulate",
    "trace",
    "with_overrides",
    "write_simulation",
]
