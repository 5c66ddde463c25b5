"""Who serves what: skill groups of each pool, and per contact type the pools that serve it.

An idle agent takes the longest-waiting contact among its skills, highest skill priority
(lowest number) first; an arriving contact goes to the first pool with an idle agent, by
the same priority, then pool order.
"""

from __future__ import annotations


def route(types, pools) -> list[list[list]]:
    """Tell each contact type which pools serve it; return each pool's skill groups
    (lists of contact types, best priority first), indexed by pool."""
    by_name = {t.name: t for t in types}
    groups = []
    servers: dict[str, list] = {t.name: [] for t in types}
    for pool in pools:
        prio = pool.spec.skill_priority
        levels = sorted(set(prio.values()))
        groups.append([[by_name[t] for t in prio if prio[t] == lv and t in by_name] for lv in levels])
        for t, lv in prio.items():
            if t in by_name:
                servers[t].append((lv, pool.index, pool))
    for t in types:
        t.serve_by(p for _, _, p in sorted(servers[t.name], key=lambda x: (x[0], x[1])))
    return groups
