"""Small scenarios built in code for engine tests."""

from __future__ import annotations

from crisissim.scenario.schema import Scenario


def queue_scenario(
    lam_per_min: float,
    mean_handle: float,
    agents: int,
    patience_mean: float | None = None,
    duration: float = 600.0,
    warmup: float = 60.0,
    **extra,
) -> Scenario:
    """One pool, one skill, exponential times: an M/M/c (+M) queue."""
    phone = {"kind": "sync"}
    if patience_mean is not None:
        phone["patience"] = {"dist": "exponential", "mean": patience_mean}
    d = {
        "meta": {"id": "q", "title": "queue", "duration": duration, "warmup": warmup, "seed": 1},
        "channels": {"phone": phone},
        "contact_types": {
            "billing": {
                "channel": "phone",
                "arrival": {"rate": lam_per_min, "per": "minute"},
                "handle_time": {"dist": "exponential", "mean": mean_handle},
                "first_contact_resolution": 1.0,
            }
        },
        "pools": {"agents": {"size": agents, "skills": ["billing"]}},
        "reputation": {"arrival_feedback": 0},
    }
    for path, value in extra.items():
        node = d
        keys = path.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return Scenario.model_validate(d)

