"""Studies: which doctrine is safest across what we do not know, and how sure we are.

:mod:`.spec` reads a study file (levers, uncertainties, outcomes), :mod:`.plan` lays it out as
a paired sweep, :mod:`.run` runs it and reports regret, satisficing, the non-dominated set and a
ranking with intervals, :mod:`.compare` gives paired differences between scenarios
(``escsim compare``), and :mod:`.search` searches a parameterised policy family for doctrines
on the robust front (NSGA-II, the optional ``escsim[search]`` extra).
"""

from escsim.study.compare import Comparison, compare
from escsim.study.plan import StudyPlan, plan_study
from escsim.study.run import StudyReport, read_study, report_study, run_study
from escsim.study.spec import StudySpec, load_study

__all__ = ["Comparison", "StudyPlan", "StudyReport", "StudySpec", "compare", "load_study",
           "plan_study", "read_study", "report_study", "run_study"]
