"""Golden results: fingerprints of engine outputs, to show a refactor changes nothing.

For every bundled scenario (and a bench-like M/M/c+M case with shifts) under several
seeds and policies, this records the result JSON, the flat metrics, the timeline,
snapshots taken mid-run, and a run driven step by step with trainee decisions and a
replay of it. ``write DIR`` stores them; ``check DIR`` recomputes and lists every case
that differs (exit 1 if any).

    python scripts/golden.py write /tmp/golden      # before a change
    python scripts/golden.py check /tmp/golden      # after it
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from crisissim.engine import Simulation
from crisissim.policy import resolve
from crisissim.scenario import bundled_scenarios_dir, load_scenario
from crisissim.scenario.schema import Scenario

SEEDS = (1, 2, 7)


def _extra() -> Scenario:
    return Scenario.model_validate(
        {
            "meta": {"id": "golden", "title": "golden", "duration": "10h", "seed": 1, "warmup": "30m"},
            "channels": {
                "phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": "3m"}},
                "email": {"kind": "async", "sla": "4h"},
            },
            "contact_types": {
                "billing": {
                    "channel": "phone",
                    "arrival": {"rate": 300, "per": "hour", "profile": [0.6, 1.0, 1.4, 1.2, 0.8], "profile_step": "2h"},
                    "handle_time": {"dist": "exponential", "mean": "2m"},
                    "first_contact_resolution": 0.8,
                    "retry": 0.3,
                },
                "mail": {
                    "channel": "email",
                    "arrival": {"rate": 30, "per": "hour"},
                    "handle_time": {"dist": "lognormal", "mean": "6m", "cv": 0.5},
                },
            },
            "pools": {
                "agents": {
                    "skills": {"billing": 1, "mail": 2},
                    "wage": 30,
                    "shifts": [
                        {"start": "0h", "end": "4h", "size": 10},
                        {"start": "3h", "end": "8h", "size": 9},
                        {"start": "6h", "end": "10h", "size": 8},
                    ],
                },
                "back": {"size": 2, "skills": ["mail"], "wage": 25},
            },
            "reputation": {"arrival_feedback": 1.0},
        }
    )


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _arrays(d: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(d):
        h.update(k.encode())
        h.update(np.ascontiguousarray(d[k], dtype=float).tobytes())
    return h.hexdigest()[:16]


def _result_case(res) -> dict:
    return {
        "json": res.to_json(),
        "metrics": res.metrics(),
        "timeline": _arrays(res.timeline),
        "queue_by_type": _arrays({"q": res.queue_by_type}),
        "records": _digest(res.records) if res.records is not None else None,
    }


def _snapshots(sc, seed: int) -> list:
    sim = Simulation(sc, seed, resolve("first", sc, seed))
    out = []
    for t in np.linspace(0, sc.meta.duration, 9)[1:]:
        s = sim.run_until(float(t))
        out.append(_digest(repr(s)))
    return out


def _trainee(sc, seed: int) -> dict:
    """Drive the run card by card taking the last option and any ready action; then replay it."""
    sim = Simulation(sc, seed)
    acted = set()
    while True:
        card = sim.run_to_next_decision()
        if card is None:
            break
        for a in sim.snapshot().actions:
            if a.ready and a.id not in acted:
                sim.act(a.id)
                acted.add(a.id)
        sim.decide(card.id, card.options[-1][0])
    res = sim.result()
    rep = Simulation(sc, seed, replay=sim.decisions).result()
    return {"played": res.to_json(), "replayed_same": rep.to_json() == res.to_json(), "decisions": sim.decisions}


def cases() -> dict[str, object]:
    out: dict[str, object] = {}
    root = bundled_scenarios_dir()
    scen = {p.stem: load_scenario(p) for p in sorted(root.glob("*.yaml"))}
    scen["golden-extra"] = _extra()
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    for p in sorted(data.glob("*.yaml")):  # the test fixtures (exposures, incidents, alarms …)
        try:
            scen[f"data-{p.stem}"] = load_scenario(p)
        except Exception:  # noqa: BLE001 - fixtures of bad input are not runs
            pass
    for name, sc in scen.items():
        policies = ["default", "first", "random"]
        scripted = root / "policies" / f"{name}-responsive.yaml"
        if scripted.exists():
            policies.append(str(scripted))
        for seed in SEEDS:
            for pol in policies:
                p = resolve(pol, sc, seed)
                label = Path(pol).stem if "/" in pol else pol
                out[f"{name}/{label}/{seed}"] = _result_case(Simulation(sc, seed, p).result())
            out[f"{name}/none/{seed}"] = _result_case(Simulation(sc, seed, None, record_contacts=True).result())
        out[f"{name}/snapshots"] = _snapshots(sc, 3)
        out[f"{name}/trainee"] = _trainee(sc, 4)
    return out


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        print(__doc__)
        return 2
    d = Path(sys.argv[2])
    got = cases()
    if sys.argv[1] == "write":
        d.mkdir(parents=True, exist_ok=True)
        for k, v in got.items():
            (d / (k.replace("/", "__") + ".json")).write_text(json.dumps(v, sort_keys=True, indent=1, default=str))
        print(f"wrote {len(got)} cases to {d}")
        return 0
    bad = []
    for k, v in got.items():
        f = d / (k.replace("/", "__") + ".json")
        want = json.loads(f.read_text()) if f.exists() else None
        if json.loads(json.dumps(v, sort_keys=True, default=str)) != want:
            bad.append(k)
    print(f"{len(got) - len(bad)}/{len(got)} cases identical")
    for k in bad:
        print("  differs:", k)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
