"""Scenarios: the schema, the loader and the ladder-condition language."""

from escsim.scenario.loader import (
    HISTORY_SCENARIOS,
    bundled_scenarios,
    load_scenario,
    outlook_scenarios,
    parse_override,
    resolve_scenario_path,
    with_overrides,
)
from escsim.scenario.schema import Scenario

__all__ = ["HISTORY_SCENARIOS", "Scenario", "bundled_scenarios", "load_scenario",
           "outlook_scenarios", "parse_override", "resolve_scenario_path", "with_overrides"]
