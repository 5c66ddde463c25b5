"""``run_study``: replicate every level of a grid, summarise, recommend, write the results.

The procedure is deterministic given its parameters: which replications run depends only
on results already in (fixed rounds for ``precision``, fixed steps for ``optimize``), and
every replication's outcome only on (level, seed, policy). So the answer does not depend on
the worker count, the backend, or on a study being interrupted and resumed from its journal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crisissim.limits import DEFAULT_MAX_CONTACTS, MAX_STUDY_REPLICATIONS, MAX_STUDY_VALUES
from crisissim.scenario.schema import Scenario
from crisissim.study import analysis
from crisissim.study.executor import DaskExecutor, Executor, LocalExecutor, cpu_count
from crisissim.study.grid import Level, StudyError, Vary, build_levels, dump, parse_values, resolve_vary
from crisissim.study.journal import Journal
from crisissim.study.progress import Progress
from crisissim.study.rns import KNResult, kn_select
from crisissim.study.seeds import rep_seed
from crisissim.study.staffing import comparison, peak_requirement, pick_pool
from crisissim.study.worker import Batch, Task

# Metrics whose CI half-width ``precision`` controls (others are reported, not targeted).
PRECISION_KEYS = ("total_loss", "loss_churn_margin", "loss_acquisition", "loss_churn_tail", "loss_compensation",
                  "loss_retention", "loss_staff_regular", "loss_staff_overtime", "loss_actions", "service_level", "abandon_rate", "wait_mean", "wait_p90",
                  "reputation_final", "churned")


@dataclass
class StudyResult:
    """A finished study.

    ``replications`` is columnar (name → numpy array, one entry per replication, sorted by
    level then rep); ``summary`` one dict per level; ``recommendation`` the two answers;
    ``intervals`` one dict per (level, KPI interval); ``optimize`` the KN outcome if used.
    """

    levels: list[Level]
    vary: list[Vary]
    policies: list[str | None]
    params: dict[str, Any]
    replications: dict[str, np.ndarray]
    summary: list[dict[str, Any]]
    recommendation: dict[str, Any]
    intervals: list[dict[str, Any]]
    optimize: dict[str, Any] | None = None
    full_grid_reps: int = 0
    files: list[Path] = field(default_factory=list)

    def to_pandas(self):
        """The replications as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_pandas() needs pandas: pip install 'crisissim[pandas]'") from None
        return pd.DataFrame(self.replications)


class _Runner:
    """Runs missing replications through an executor and keeps results keyed by (level, rep)."""

    def __init__(self, levels: list[Level], seed: int, crn: bool, executor: Executor, journal: Journal | None,
                 progress: Progress, replicate: Callable | None, batch_size: int | None, keys: dict[int, str],
                 scripts: Mapping[str, str] | None = None, max_contacts: int | None = None):
        self.levels = {lv.index: lv for lv in levels}
        self.seed, self.crn = seed, crn
        self.executor, self.journal, self.progress = executor, journal, progress
        self.replicate, self.batch_size, self.keys = replicate, batch_size, keys
        self.scripts, self.max_contacts = dict(scripts or {}), max_contacts
        self.metrics: dict[tuple[int, int], dict[str, float]] = {}
        self.intervals: dict[tuple[int, int], dict[str, list[float]]] = {}
        self.seeds: dict[tuple[int, int], int] = {}

    def seed_of(self, level: int, rep: int) -> int:
        return rep_seed(self.seed, rep, None if self.crn else level)

    def add(self, batch: Batch) -> int:
        """Store a batch; replications already held are ignored. Returns how many were new."""
        new = 0
        for rep, seed, m, iv in zip(batch.reps, batch.seeds, batch.metrics, batch.intervals, strict=False):
            key = (batch.level, rep)
            if key in self.metrics or batch.level not in self.levels:
                continue
            if seed != self.seed_of(batch.level, rep):
                raise StudyError(f"journal holds level {batch.level} rep {rep} with a different seed")
            self.metrics[key], self.intervals[key], self.seeds[key] = m, iv, seed
            new += 1
        return new

    def ensure(self, wanted: Mapping[int, int]) -> None:
        """Make replications 0..n−1 of each level available, running only the missing ones."""
        missing = {lv: [r for r in range(n) if (lv, r) not in self.metrics] for lv, n in wanted.items()}
        total = sum(len(v) for v in missing.values())
        self.progress.set_total(max(self.progress.total, len(self.metrics) + total), len(self.metrics))
        if total == 0:
            return
        # about four even tasks per worker (at most 200 replications each) unless batch_size is set
        size = self.batch_size or max(1, min(200, math.ceil(total / (4 * self.executor.workers))))
        tasks = []
        for lv in sorted(missing):
            reps = missing[lv]
            level = self.levels[lv]
            k = math.ceil(len(reps) / size)
            for part in range(k):
                chunk = tuple(reps[part * len(reps) // k : (part + 1) * len(reps) // k])
                tasks.append(Task(lv, self.keys[lv], level.scenario, level.policy, chunk,
                                  tuple(self.seed_of(lv, r) for r in chunk), self.replicate,
                                  self.scripts.get(level.policy or ""), self.max_contacts))
        for batch in self.executor.run(tasks):
            new = self.add(batch)
            if new and self.journal is not None:
                self.journal.append(batch)
            self.progress.advance(new)

    def table(self) -> analysis.Table:
        data: dict[int, dict[str, np.ndarray]] = {}
        seeds: dict[int, np.ndarray] = {}
        keys: list[str] = []
        for lv in sorted(self.levels):
            n = 0
            while (lv, n) in self.metrics:
                n += 1
            if n == 0:
                continue
            rows = [self.metrics[(lv, r)] for r in range(n)]
            if not keys:
                keys = list(rows[0])
            data[lv] = {k: np.array([row.get(k, math.nan) for row in rows], dtype=float) for k in keys}
            seeds[lv] = np.array([self.seeds[(lv, r)] for r in range(n)], dtype=np.uint64)
        return analysis.Table(keys, data, seeds)

    def column(self, lv: int, key: str, n: int) -> np.ndarray:
        """Metric ``key`` of replications 0..n−1 of level ``lv``."""
        return np.array([self.metrics[(lv, r)][key] for r in range(n)], dtype=float)


def _as_vary(vary: Mapping[str, Any] | Sequence[Vary] | None) -> list[Vary]:
    if not vary:
        return []
    if isinstance(vary, Mapping):
        return [Vary(p, parse_values(v, p)) for p, v in vary.items()]
    return list(vary)


def _scenario_of(scenario: Scenario | str | Path | Mapping[str, Any]) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Mapping):
        return Scenario.model_validate(dict(scenario))
    from crisissim.scenario import load_scenario

    return load_scenario(scenario)


def _precise(table: analysis.Table, lv: int, share: float, level: float) -> bool:
    from crisissim.study.stats import estimate

    for key in PRECISION_KEYS:
        if key not in table.data[lv]:
            continue
        e = estimate(table.col(lv, key), level)
        if e.n < 2:
            return False
        if math.isnan(e.half_width) or e.half_width > share * abs(e.mean) + 1e-12:
            return False
    return True


def run_study(
    scenario: Scenario | str | Path | Mapping[str, Any],
    reps: int = 30,
    vary: Mapping[str, Any] | Sequence[Vary] | None = None,
    policies: Sequence[str | None] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    loss_threshold: float | None = None,
    precision: float | None = None,
    max_reps: int | None = None,
    optimize: bool = False,
    confidence: float = 0.95,
    delta: float | None = None,
    crn: bool = True,
    batch_size: int | None = None,
    replicate: Callable[..., Any] | None = None,
    quiet: bool = True,
    ci_level: float = 0.95,
    plots: bool = True,
    max_contacts: int | None = DEFAULT_MAX_CONTACTS,
    force: bool = False,
) -> StudyResult:
    """Run a Monte-Carlo staffing study and return (and, with ``out``, write) its results.

    ``reps`` replications per level (the first stage with ``precision``; the full-grid size
    that ``optimize`` is compared with). ``vary`` maps scenario paths to ranges (``"10:40:2"``,
    ``"a,b,c"`` or a list); ``policies`` compares decision policies. ``seed`` defaults to the
    scenario's. ``workers`` local processes (default all cores) unless ``scheduler`` is a Dask
    address or ``"local"`` (a Dask LocalCluster), or an ``executor`` is given. ``precision`` is a
    share (0.02 = 2%): add rounds of replications until every CI half-width is under that share
    of its mean, up to ``max_reps`` (default 10 × reps). ``optimize`` runs KN ranking and
    selection (``confidence``, indifference zone ``delta`` in money, default 1% of mean loss).
    ``crn=False`` gives every level independent seeds. ``replicate(scenario, seed=, policy=)``
    replaces the engine (tests). Raises :class:`StudyError` on a bad specification.

    Before anything runs, the study is bounded: every level's run must fit ``max_contacts``
    (see :mod:`crisissim.engine.workload`), the study at most ``MAX_STUDY_REPLICATIONS``
    replications and ``MAX_STUDY_VALUES`` result values, and workers are capped at the CPUs and
    the replications to run. Policies are checked once here (a scripted policy's file is read
    once; its content and that of Python policy files are part of the resume fingerprint).
    ``out`` must be a new or empty folder, or one holding this study (``force`` writes into any).
    """
    sc = _scenario_of(scenario)
    vary_l = _as_vary(vary)
    pols: list[str | None] = list(policies) if policies else [None]
    if reps < 2:
        raise StudyError(f"--reps must be >= 2, got {reps}")
    if precision is not None and not 0 < precision < 1:
        raise StudyError(f"--precision must be a share in (0, 1), got {precision}")
    if not 0.5 <= confidence < 1:
        raise StudyError(f"--confidence must be in [0.5, 1), got {confidence}")
    if delta is not None and delta <= 0:
        raise StudyError(f"--delta must be > 0, got {delta}")
    max_r = max_reps or 10 * reps
    if max_r < reps:
        raise StudyError(f"--max-reps ({max_r}) is below --reps ({reps})")
    seed = sc.meta.seed if seed is None else int(seed)
    vary_l = resolve_vary(sc, vary_l)
    levels = build_levels(sc, vary_l, pols)
    kn_step = max(5, min(reps, 10) // 2)
    if optimize and len(levels) < 2:
        raise StudyError("--optimize needs at least two levels (--vary or several --policy)")
    per_level = max_r if (optimize or precision is not None) else reps
    _check_size(sc, len(levels), per_level, reps, precision is not None or optimize)

    from crisissim.study.journal import fingerprint

    keys = {lv.index: fingerprint(lv.scenario)[:16] for lv in levels}
    models = _check_levels(levels, keys, max_contacts if replicate is None else None)
    scripts, policy_hashes = _check_policies(pols, sc, seed) if replicate is None else ({}, {})
    params = {"scenario": dump(sc), "vary": [[v.path, list(v.values)] for v in vary_l], "policies": pols,
              "seed": seed, "reps": reps, "crn": crn, "precision": precision, "max_reps": max_reps,
              "optimize": optimize, "confidence": confidence, "delta": delta,
              "replicate": None if replicate is None else f"{replicate.__module__}.{replicate.__qualname__}",
              "scenario_hash": fingerprint(dump(sc)), "policy_files": policy_hashes}
    out_dir = Path(out) if out is not None else None
    journal, old = (Journal.open(out_dir, params, resume, force) if out_dir is not None else (None, []))
    own_exec = executor is None
    progress: Progress | None = None
    try:
        if executor is None:
            first = (min(reps, 10) if optimize else reps) * len(levels)
            n = max(1, min(workers or cpu_count(), cpu_count(), first))  # never more workers than work or CPUs
            executor = DaskExecutor(scheduler, n) if scheduler else LocalExecutor(n)
        progress = Progress(quiet=quiet)
        runner = _Runner(levels, seed, crn, executor, journal, progress, replicate, batch_size, keys,
                         scripts, max_contacts)
        for b in old:
            runner.add(b)
        kn: KNResult | None = None
        idx = [lv.index for lv in levels]
        if optimize:
            kn = kn_select(idx, runner.ensure, lambda lv, n: runner.column(lv, analysis.LOSS, n),
                           n0=min(reps, 10), confidence=confidence, delta=delta, max_reps=max_r, step=kn_step)
        elif precision is not None:
            want = {i: reps for i in idx}
            step = max(10, reps // 2)
            while True:
                runner.ensure(want)
                table = runner.table()
                grow = {i: min(max_r, want[i] + step) for i in idx
                        if want[i] < max_r and not _precise(table, i, precision, ci_level)}
                if not grow:
                    break
                want.update(grow)
        else:
            runner.ensure({i: reps for i in idx})
    finally:
        if progress is not None:
            progress.close()
        if journal is not None:
            journal.close()
        if own_exec and executor is not None:
            executor.close()

    table = runner.table()
    pool = pick_pool(sc, [v.path for v in vary_l])
    erlang = {}
    for lv in levels:
        req = peak_requirement(models[keys[lv.index]], pool)
        erlang[lv.index] = req.as_dict() if req is not None else None
    summary = analysis.summarize(levels, table, crn=crn, threshold=loss_threshold, erlang=erlang, level=ci_level,
                                 equal_reps=kn is None, selected=kn.best if kn is not None else None)
    goal = {lv.index: lv.scenario["scoring"]["service_level"] for lv in levels}
    for row in summary:
        row["target"] = goal[row["level"]]["target"]
    rec = analysis.recommend(levels, table, summary, crn=crn, target={i: g["target"] for i, g in goal.items()},
                             level=ci_level, selected=kn.best if kn is not None else None)
    thresholds = {g["threshold"] for g in goal.values()}
    rec["threshold"] = thresholds.pop() if len(thresholds) == 1 else None
    opt = None
    if kn is not None:
        opt = {"method": "KN (Kim & Nelson, fully sequential, CRN)", "best": kn.best, "resolved": kn.resolved,
               "confidence": confidence, "delta": kn.delta, "n0": kn.n0, "step": kn_step, "max_reps": max_r,
               "reps_used": kn.total_reps, "full_grid_reps": reps * len(levels),
               "reps_by_level": {str(k): v for k, v in sorted(kn.reps_used.items())},
               "eliminated_at": {str(k): v for k, v in sorted(kn.eliminated_at.items())}}
        rec["optimize"] = opt
    per_rep = {lv: [runner.intervals[(lv, r)] for r in range(table.n(lv))] for lv in table.data}
    iv_rows = analysis.intervals(levels, per_rep, ci_level)
    ref = rec.get("service_level") or rec["cost_optimal"]  # queueing theory beside this staffing
    offered = [r["offered"]["mean"] for r in iv_rows if r["level"] == ref["level"] and "offered" in r]
    ref_sc = models[keys[ref["level"]]]
    e = comparison(ref_sc, pool, offered)
    rec["erlang"] = {"level": ref["level"], "meets_target": rec.get("service_level") is not None, **e} if e else None
    result = StudyResult(levels, vary_l, pols, params, _columns(levels, table), summary, rec,
                         iv_rows, opt, reps * len(levels))
    result.params["loss_threshold"] = loss_threshold
    if out_dir is not None:
        from crisissim.fileio import OutputError
        from crisissim.study.output import write_all

        try:
            result.files = write_all(result, out_dir, plots=plots)
        except OutputError as e:
            raise StudyError(f"{e} (the replications are kept in the journal; run again with --resume)") from None
    return result


def _check_size(sc: Scenario, n_levels: int, per_level: int, reps: int, growing: bool) -> None:
    """Refuse a study that would not fit in memory (or finish in a lifetime) before it starts."""
    total = n_levels * per_level
    cap = " or --max-reps" if growing else ""
    if total > MAX_STUDY_REPLICATIONS:
        raise StudyError(f"the study asks for up to {total:,} replications ({n_levels:,} levels × {per_level:,}), "
                         f"more than the limit of {MAX_STUDY_REPLICATIONS:,}; lower --reps{cap} or narrow --vary")
    intervals = math.ceil(sc.meta.duration / sc.meta.interval)
    per_rep = 32 + intervals * (8 + len(sc.pools))
    if total * per_rep > MAX_STUDY_VALUES:
        raise StudyError(f"the study would keep about {total * per_rep:,} result values in memory ({total:,} "
                         f"replications × {intervals:,} KPI intervals), more than the limit of {MAX_STUDY_VALUES:,}; "
                         f"lower --reps{cap}, narrow --vary or lengthen meta.interval")


def _check_levels(levels: list[Level], keys: dict[int, str], max_contacts: int | None) -> dict[str, Scenario]:
    """Each level's validated scenario (by key); refuse a level whose runs would exceed the work limit."""
    from crisissim.engine.workload import WorkloadError, check

    models: dict[str, Scenario] = {}
    for lv in levels:
        key = keys[lv.index]
        if key in models:
            continue
        models[key] = model = Scenario.model_validate(lv.scenario)
        try:
            check(model, max_contacts)
        except WorkloadError as e:
            where = "" if lv.label == "baseline" else f"level {lv.index} ({lv.label}): "
            raise StudyError(f"{where}{e}") from None
    return models


def _check_policies(pols: Sequence[str | None], sc: Scenario, seed: int) -> tuple[dict[str, str], dict[str, str | None]]:
    """Check every policy once, here, so a bad one is one line before any worker starts.

    Returns the text of each scripted policy (the workers use it, not the file, which may change)
    and the content hash of every policy file (scripted YAML or Python), for the resume fingerprint."""
    import hashlib

    from crisissim.policy import PolicyError, parse_scripted, resolve, scripted_path
    from crisissim.scenario import ScenarioError
    from crisissim.scenario.yamlio import read_text

    scripts: dict[str, str] = {}
    hashes: dict[str, str | None] = {}
    for p in pols:
        if p is None:
            continue
        path = scripted_path(p)
        try:
            if path is not None:
                try:
                    text = read_text(path)
                except ScenarioError as e:
                    raise PolicyError(str(e)) from None
                parse_scripted(text, sc, file=path, name=p)
                scripts[p] = text
                hashes[p] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            else:
                resolve(p, sc, seed)
                hashes[p] = _code_hash(p)
        except PolicyError as e:
            lines = str(e).splitlines() or [""]
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            head = lines[0] if path is not None else f"--policy {p}: {lines[0]}"  # scripted ones are located
            raise StudyError(head + more) from None
    return scripts, hashes


def _code_hash(policy: str) -> str | None:
    """Content hash of the file a Python policy (``file.py:fn`` or ``module:fn``) comes from."""
    import hashlib
    import importlib.util

    module = policy.strip().rpartition(":")[0]
    try:
        origin: str | None
        if module.endswith(".py") or "/" in module or "\\" in module:
            origin = module
        else:
            spec = importlib.util.find_spec(module)
            origin = spec.origin if spec is not None else None
        if not origin or not Path(origin).is_file():
            return None
        return hashlib.sha256(Path(origin).read_bytes()).hexdigest()
    except (ImportError, ValueError, OSError):
        return None


def _columns(levels: list[Level], table: analysis.Table) -> dict[str, np.ndarray]:
    """Columnar replications: level, each varied field, policy, rep, seed, every metric."""
    lvs = [lv for lv in levels if lv.index in table.data]
    counts = [table.n(lv.index) for lv in lvs]
    cols: dict[str, np.ndarray] = {"level": np.repeat([lv.index for lv in lvs], counts).astype(np.int64)}
    for path in (lvs[0].values if lvs else {}):
        vals = [lv.values[path] for lv in lvs]
        dtype = np.int64 if all(isinstance(v, int) for v in vals) else float
        cols[path] = np.repeat(np.array(vals, dtype=dtype), counts)
    cols["policy"] = np.repeat(np.array([lv.policy or "" for lv in lvs], dtype=object), counts)
    cols["rep"] = np.concatenate([np.arange(c, dtype=np.int64) for c in counts]) if lvs else np.array([], np.int64)
    cols["seed"] = np.concatenate([table.seeds[lv.index] for lv in lvs]) if lvs else np.array([], np.uint64)
    for k in table.keys:
        cols[k] = np.concatenate([table.col(lv.index, k) for lv in lvs])
    return cols
