"""Monte-Carlo staffing studies: replicate a scenario over a grid of levels with common random
numbers, summarise with CIs, recommend a level, and write result files.

``run_study(scenario, reps=..., vary={...}, policies=[...], seed=..., workers=...)`` is the
API; ``crisissim study`` the command. See :mod:`crisissim.study.run`.
"""

from crisissim.study.grid import Level, StudyError, Vary, parse_vary
from crisissim.study.run import StudyResult, run_study

__all__ = ["Level", "StudyError", "StudyResult", "Vary", "parse_vary", "run_study"]
