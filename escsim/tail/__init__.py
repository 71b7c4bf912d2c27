"""Rare-event estimates of the top of the escalation ladder (multilevel splitting).

``estimate_tail(scenario, rung, root_seed=..., repetitions=..., effort=...)`` estimates
P(rung reached within the horizon) by fixed-effort multilevel splitting with levels on the
ladder's rungs; see docs/explanation/tail-splitting.md.
"""

from escsim.tail.levels import LevelPlan, check_monotone, plan_levels
from escsim.tail.splitting import TailEstimate, allocate_effort, estimate_tail

__all__ = ["LevelPlan", "TailEstimate", "allocate_effort", "check_monotone", "estimate_tail",
           "plan_levels"]
