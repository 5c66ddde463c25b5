"""Lessons that hold: paired, common-random-number comparisons of ways to play a scenario.

``evaluate_lessons(scenario, reps, seed, workers)`` checks a scenario's ``lessons:`` and
returns one :class:`LessonOutcome` each (``crisissim lessons`` prints them);
``compare(scenario, a, b, reps, seed, workers)`` compares any two policies or played
decision logs (:class:`Arm`) seed by seed, for grading and the debrief. This layer sits
beside the study and the policies (it drives both); the game and the commands may use it.
"""

from crisissim.lessons.arms import Arm, LessonError
from crisissim.lessons.evaluate import compare, evaluate_lessons, expert_arm, policy_problems
from crisissim.lessons.outcome import LEVEL, LessonOutcome, Paired, judge, paired

__all__ = ["Arm", "LEVEL", "LessonError", "LessonOutcome", "Paired", "compare", "evaluate_lessons", "expert_arm",
           "judge", "paired", "policy_problems"]
