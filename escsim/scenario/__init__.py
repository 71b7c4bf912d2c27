"""Scenarios: the schema, the loader and the ladder-condition language."""

from escsim.scenario.loader import (
    bundled_scenarios,
    load_scenario,
    parse_override,
    resolve_scenario_path,
    with_overrides,
)
from escsim.scenario.schema import Scenario

__all__ = ["Scenario", "bundled_scenarios", "load_scenario", "parse_override",
           "resolve_scenario_path", "with_overrides"]
