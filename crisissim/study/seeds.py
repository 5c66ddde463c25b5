"""Per-replication seeds: common random numbers (CRN) or independent streams.

Seeds come from ``numpy.random.SeedSequence(study_seed, spawn_key=...)``, which is what
``SeedSequence(study_seed).spawn(n)[i]`` yields, so replication ``i`` gets the same seed
however many replications a study ends up running. Under CRN every level's replication
``i`` shares that seed; independent mode adds the level index to the key.
"""

from __future__ import annotations

import numpy as np


def rep_seed(study_seed: int, rep: int, level: int | None = None) -> int:
    """Seed (0 <= seed < 2**63) of replication ``rep``; ``level`` given means an independent stream."""
    key = (rep,) if level is None else (rep, level + 1)
    ss = np.random.SeedSequence(study_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
