"""The documented limits on work, in one place (no imports, so the CLI's help can read them cheaply).

* :data:`DEFAULT_MAX_CONTACTS` — contacts one run may handle by its upper estimate before it is
  refused (``--max-contacts`` raises it); see :mod:`crisissim.engine.workload`.
* :data:`MAX_STUDY_REPLICATIONS` and :data:`MAX_STUDY_VALUES` — replications one study may ask
  for, and result values it may hold in memory; see :mod:`crisissim.study.run`.
"""

DEFAULT_MAX_CONTACTS = 5_000_000
MAX_STUDY_REPLICATIONS = 1_000_000
MAX_STUDY_VALUES = 50_000_000
