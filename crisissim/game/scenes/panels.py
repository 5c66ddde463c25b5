"""Drawing of the dashboard's panels: the layout follows the window, the words the language.

Every colour-coded state is drawn with its mark and a word (:func:`widgets.state_tag`);
states come from the scenario's own targets: the service-level threshold for queues,
each channel's SLA for backlogs, the reputation floor, the loss budget's pace.
Nothing here changes the simulation or the dashboard's state.
"""

from __future__ import annotations

from typing import Any

import pygame

from crisissim.game import theme
from crisissim.game.clock import SPEEDS
from crisissim.game.costs import short_cost
from crisissim.game.fmt import compact, duration_text, money, wait_text
from crisissim.game.keys import pretty
from crisissim.game.widgets import Button, Grid, bar, panel, paragraph, state_tag, text

PAUSED = {"focus": "top.paused_focus", "resumed": "top.paused_resumed", "rewound": "top.paused_rewound",
          "facilitator": "top.paused_facilitator"}  # why the clock stands still → what the top bar says
TREND_MINUTES = 30.0  # reputation change shown beside the figure
ASA_WINDOW = 15.0  # minutes of answered contacts in "answer speed"


# ------------------------------------------------------------------ states
def ratio_text(alarm) -> str:
    """An alarm's observed arrivals against the forecast, as ``2.3×``."""
    if alarm.expected_rate <= 0:
        return "∞×" if alarm.observed_rate > 0 else "–"
    return f"{alarm.observed_rate / alarm.expected_rate:.1f}×"


def queue_state(dash, name: str, longest: float) -> tuple[str, float, float]:
    """(state, good limit, bad limit) of a queue whose longest-waiting contact waited ``longest`` minutes.

    Phone and chat: on target while the longest wait is within the service-level threshold,
    over target beyond four times it. Email and social: against the channel's SLA (half of it,
    all of it)."""
    sc = dash.sc
    kind = dash.kinds[name]
    if kind == "sync":
        good = sc.scoring.service_level.threshold
        bad = 4 * good
    else:
        sla = sc.channels[sc.contact_types[name].channel].sla
        good, bad = sla / 2, sla
    state = "ok" if longest <= good else "warn" if longest < bad else "bad"
    return state, good, bad


def share_state(value: float, target: float, slack: float = 0.1) -> str:
    return "ok" if value >= target else "warn" if value >= target - slack else "bad"


def loss_state(loss: float, budget: float | None, elapsed: float) -> str:
    """Over budget; above the budget's pace (budget × share of the run elapsed); or within it."""
    if not budget:
        return "none"
    if loss > budget:
        return "bad"
    return "warn" if loss > budget * elapsed else "ok"


def reputation_state(r: float, floor: float) -> str:
    return "bad" if r < floor else "warn" if r < floor + 5 else "ok"


# ------------------------------------------------------------------ layout
def layout(app) -> dict:
    g = Grid(app.size)
    f = app.fonts
    top_h = max(g.y(58), f.get(28, True).get_linesize() + 12, 2 * f.get(13).get_linesize() + f.get(19).get_linesize())
    gap = max(6, g.x(12))
    y0 = top_h + 4 + gap
    h = g.h - y0 - gap
    c1 = g.x(420)
    c2 = g.x(392)
    x1, x2 = gap, gap + c1 + gap
    x3 = x2 + c2 + gap
    c3 = g.w - gap - x3

    def split(x, w, shares):
        out, y = [], y0
        for i, s in enumerate(shares):
            hh = int(h * s) if i < len(shares) - 1 else y0 + h - y
            out.append(pygame.Rect(x, y, w, hh - (gap if i < len(shares) - 1 else 0)))
            y += hh
        return out

    service, queues, staff = split(x1, c1, (0.27, 0.43, 0.30))
    rep, loss, actions = split(x2, c2, (0.31, 0.38, 0.31))
    out = {"grid": g, "top_h": top_h, "service": service, "queues": queues, "staff": staff, "reputation": rep,
           "loss": loss, "actions": actions}
    if app.session is not None and app.session.scenario.exposures:
        out["exposures"], out["events"], out["social"] = split(x3, c3, (0.28, 0.32, 0.40))
    else:
        out["events"], out["social"] = split(x3, c3, (0.46, 0.54))
    return out


def top_buttons(dash) -> list[Button]:
    app = dash.app
    f = app.fonts
    w = app.words
    c = dash.clock
    lay = layout(app)
    g = lay["grid"]
    bh = f.get(15).get_linesize() + 12
    y = max(4, (lay["top_h"] - bh) // 2)
    specs: list[tuple[Any, str, str, bool]] = [("pause", w("top.pause"), pretty("space", w.lang), c.paused)]
    specs += [(s, f"{s}×", str(i + 1), not c.paused and not c.skipping and c.speed == s) for i, s in enumerate(SPEEDS)]
    specs.append(("skip", w("top.skip"), "N", c.skipping))
    widths = [f.get(15).size(f"[{k}] {label}")[0] + 20 for _, label, k, _ in specs]
    x = g.w - max(6, g.x(12)) - sum(widths) - 6 * (len(widths) - 1)
    out = []
    for (action, label, key, sel), bw in zip(specs, widths, strict=False):
        out.append(Button((x, y, bw, bh), label, key, selected=sel, action=action))
        x += bw + 6
    return out


def action_buttons(dash) -> list[Button]:
    return dash.memo("action_buttons", lambda: _action_buttons(dash))


def _action_buttons(dash) -> list[Button]:
    from crisissim.game.scenes.dashboard import ACTION_KEYS

    app = dash.app
    f = app.fonts
    acts = dash.clock.snap.actions
    if not acts:
        return []
    lay = layout(app)
    inner = _inner(app, lay["actions"])
    n = len(acts)
    bh = f.get(14).get_linesize() + f.get(11).get_linesize() + 12
    rows_fit = max(1, (inner.height + 6) // (bh + 6))
    cols = min(n, max(1, -(-n // rows_fit)))
    bw = (inner.width - (cols - 1) * 8) // cols
    out = []
    for i, a in enumerate(acts):
        r, col = divmod(i, cols)
        if r >= rows_fit:
            break
        spec = dash.action_specs[a.id]
        pending = [p for p in dash.pending if p.source == f"action:{a.id}" and p.state(dash.clock.snap.time) == "pending"]
        if pending:
            sub = app.words("action.pending", clock=dash.time_of_day(pending[-1].starts))
            colour = theme.WARN
        else:
            cost, _ = dash.action_cost(spec)
            state = dash.action_state(a)
            room = bw - 16  # as Button.draw leaves it
            sub = f"{state} · {short_cost(cost, dash.sc.meta.currency)}"
            if f.get(11).size(sub)[0] > room:  # the figure stays whole: the currency goes (it is in the top bar)
                sub = f"{state} · {short_cost(cost)}"
            colour = None
        key = ACTION_KEYS[i].upper() if i < len(ACTION_KEYS) else ""
        out.append(Button((inner.x + col * (bw + 8), inner.y + r * (bh + 6), bw, bh), app.words.of(spec.label), key,
                          enabled=a.ready and not dash.clock.finished, sub=sub, action=a.id, sub_colour=colour))
    return out


def _inner(app, rect) -> pygame.Rect:
    """The inner rect of a panel with a title (as :func:`widgets.panel` computes it)."""
    f = app.fonts
    pad = max(6, min(theme.PAD, rect.width // 30))
    inner = rect.inflate(-2 * pad, -2 * pad)
    th = f.get(15).get_linesize() + 4
    return pygame.Rect(inner.x, inner.y + th, inner.width, max(0, inner.height - th))


# ------------------------------------------------------------------- draw
PANELS = ("service", "queues", "staff", "reputation", "loss", "actions", "events", "social")


def draw_dashboard(dash, surface) -> None:
    app = dash.app
    lay = layout(app)
    s = dash.clock.snap
    key = (app.size, app.fonts.scale)
    if dash.chrome is None or dash.chrome[0] != key:  # the background and the panels: drawn once per layout
        img = pygame.Surface(app.size)
        img.fill(theme.BG)
        for name in PANELS + ("exposures",):
            if name in lay:
                panel(img, app.fonts, lay[name])
        dash.chrome = (key, img)
    surface.blit(dash.chrome[1], (0, 0))
    _top(dash, surface, s, lay)
    _service(dash, surface, s, lay["service"])
    _queues(dash, surface, s, lay["queues"])
    _staff(dash, surface, s, lay["staff"])
    _reputation(dash, surface, s, lay["reputation"])
    _loss(dash, surface, s, lay["loss"])
    _actions(dash, surface, lay["actions"])
    if "exposures" in lay:
        _exposures(dash, surface, s, lay["exposures"])
    _events(dash, surface, s, lay["events"])
    _social(dash, surface, s, lay["social"])
    _tooltip(dash, surface)
    if dash.toast_left > 0 and dash.toast:
        _toast(dash, surface, lay)


TOAST_SIZE = 15
TOAST_LINES = 3


def toast_box(dash, lay=None) -> tuple[pygame.Rect, list[str]] | None:
    """Where the toast goes, and its lines (wrapped to the box); None when nothing is said.

    At the foot of the right-hand column (the events and the social feed, read-only panels whose
    oldest lines it covers for a few seconds), or of the left-hand column (service, queues, staff)
    when an overlay above the dashboard keeps the right-hand side for itself (the facilitator's
    panel); above a folded strip of decision cards. Both columns hold no control at any window
    size, so a toast never hides a button (tests/test_game_toast.py measures it)."""
    if not (dash.toast_left > 0 and dash.toast):
        return None
    app = dash.app
    f = app.fonts
    lay = lay or layout(app)
    stack = app.stack.scenes
    above = stack[stack.index(dash) + 1:] if dash in stack else []
    covered = [r for scene in above for r in scene.covers()]
    right = lay["social"].unionall([lay["events"]] + ([lay["exposures"]] if "exposures" in lay else []))
    left = lay["service"].unionall([lay["queues"], lay["staff"]])
    font = f.get(TOAST_SIZE)
    lh = font.get_linesize()
    for column in (right, left):
        bottom = column.bottom - 6
        for r in covered:
            if not r.colliderect(column):
                continue
            if r.top > column.centery:  # a strip along the bottom: sit on it
                bottom = min(bottom, r.top - 6)
            else:
                bottom = None  # a panel over this column: try the other one
                break
        if bottom is None:
            continue
        width = column.width - 12
        lines = f.wrap(dash.toast, font, width - 20)
        if len(lines) > TOAST_LINES:
            f.note_cut(dash.toast)
            lines = lines[:TOAST_LINES - 1] + [f.ellipsize(" ".join(lines[TOAST_LINES - 1:]), font, width - 20)]
        width = min(width, max(font.size(line)[0] for line in lines) + 24)
        box = pygame.Rect(0, 0, width, len(lines) * lh + 14)
        box.bottomright = (column.right - 6, bottom)
        return box, lines
    return None


def _toast(dash, surface, lay) -> None:
    found = toast_box(dash, lay)
    if found is None:
        return
    box, lines = found
    f = dash.app.fonts
    pygame.draw.rect(surface, theme.BUTTON_HOVER, box, border_radius=theme.RADIUS)
    pygame.draw.rect(surface, theme.ACCENT, box, 1, border_radius=theme.RADIUS)
    y = box.y + 7
    for line in lines:
        text(surface, f, line, (box.x + 12, y), TOAST_SIZE, theme.TEXT)
        y += f.get(TOAST_SIZE).get_linesize()


def _top(dash, surface, s, lay) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    g = lay["grid"]
    c = dash.clock
    buttons = top_buttons(dash)
    left_w = buttons[0].rect.x - 24
    title = w.of(dash.sc.meta.title)
    info = w("top.info", seed=dash.session.seed, currency=dash.sc.meta.currency)
    # the clock right after the title (within 30–52% of the room), so the lines beside it keep theirs
    wanted = 12 + max(f.get(19, True).size(title)[0], f.get(13).size(info)[0]) + 24
    clock_x = min(int(left_w * 0.52), max(int(left_w * 0.30), wanted))
    r = text(surface, f, title, (12, 6), 19, theme.TEXT, width=clock_x - 24, bold=True)
    text(surface, f, info, (12, r.bottom + 2), 13, theme.FAINT, width=clock_x - 24)
    cr = text(surface, f, dash.time_of_day(s.time), (clock_x, lay["top_h"] // 2), 28, theme.TEXT, "midleft", bold=True)
    sub_x = cr.right + 12
    room = max(10, left_w - sub_x)
    lh = f.get(13).get_linesize()
    y = lay["top_h"] // 2 - lh
    text(surface, f, w("top.elapsed", elapsed=duration_text(w, s.time), total=duration_text(w, s.duration)),
         (sub_x, y), 13, theme.MUTED, width=room)
    if c.paused:
        why = w(PAUSED.get(c.pause_reason, "top.paused"))
        state_tag(surface, f, "warn", why, (sub_x, y + lh), 13, width=room)
    elif c.skipping:
        text(surface, f, w("top.skipping"), (sub_x, y + lh), 13, theme.ACCENT, width=room)
    else:
        text(surface, f, w("top.rate", rate=f"{c.rate * c.speed:g}"), (sub_x, y + lh), 13, theme.FAINT, width=room)
    for b in buttons:
        b.draw(surface, f, app.mouse, size=15)
    bar(surface, (0, lay["top_h"], g.w, 4), s.time / s.duration if s.duration else 1.0, theme.ACCENT)


def _service(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    sl = dash.sc.scoring.service_level
    inner = panel(surface, f, rect, w("service.title", target=f"{sl.target:.0%}", seconds=f"{sl.threshold * 60:g}"), background=False)
    sync = [n for n, k in dash.kinds.items() if k == "sync"]
    stats = dash.clock.stats
    hist = dash.clock.history
    lh = f.get(14).get_linesize() + 3
    col = inner.x + inner.width // 2
    y = inner.y
    day = s.service_level
    iv = dash.sc.meta.interval
    recent = hist.window(s.time, iv, stats, sync).service_level
    text(surface, f, w("service.today"), (inner.x, y), 13, theme.MUTED, width=col - inner.x - 8)
    text(surface, f, w("service.recent", span=duration_text(w, iv)), (col, y), 13, theme.MUTED, width=inner.right - col)
    y += lh
    state_tag(surface, f, share_state(day, sl.target), f"{day:.0%} " + w(f"sl.{share_state(day, sl.target)}"),
              (inner.x, y), 16, width=col - inner.x - 8)
    if recent is None:
        text(surface, f, w("service.no_contacts"), (col, y + 2), 14, theme.FAINT, width=inner.right - col)
    else:
        st = share_state(recent, sl.target)
        state_tag(surface, f, st, f"{recent:.0%} " + w(f"sl.{st}"), (col, y), 16, width=inner.right - col)
    y += lh + 6
    if y + lh > inner.bottom:
        return
    asa = hist.window(s.time, ASA_WINDOW, stats, sync).answer_speed
    longest = max((stats[n].longest_wait for n in sync if n in stats), default=0.0)
    text(surface, f, w("service.asa", span=duration_text(w, ASA_WINDOW)), (inner.x, y), 13, theme.MUTED,
         width=col - inner.x - 8)
    text(surface, f, w("service.longest"), (col, y), 13, theme.MUTED, width=inner.right - col)
    y += lh
    text(surface, f, wait_text(asa) if asa is not None else "–", (inner.x, y), 16, theme.TEXT)
    st = "ok" if longest <= sl.threshold else "warn" if longest < 4 * sl.threshold else "bad"
    state_tag(surface, f, st, wait_text(longest), (col, y), 16, width=inner.right - col)
    y += lh + 4
    if y + lh <= inner.bottom:
        text(surface, f, w("service.counts", abandoned=f"{s.abandoned:,}", served=f"{s.served:,}", arrived=f"{s.arrived:,}",
                           churned=f"{s.churned:,.0f}"), (inner.x, y), 13, theme.MUTED, width=inner.width)


def _queues(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    sc = dash.sc
    inner = panel(surface, f, rect, w("queues.title"), background=False)
    names = list(sc.contact_types)
    lh = f.get(14).get_linesize()
    row = lh * 2 + 8
    y = inner.y
    for i, n in enumerate(names):
        if y + row > inner.bottom + 4:
            text(surface, f, w("list.more", n=len(names) - i), (inner.right, inner.bottom - lh), 12, theme.FAINT, "topright")
            break
        spec = sc.contact_types[n]
        st_ = dash.clock.stats.get(n)
        count = st_.waiting if st_ else 0
        longest = st_.longest_wait if st_ else 0.0
        state, good, bad = queue_state(dash, n, longest)
        what = w(f"queues.{dash.kinds[n]}", n=f"{count:,}")
        tag = f"{theme.state_mark(state)} {w('queues.longest', wait=wait_text(longest))} · {w('q.' + state)}"
        tr = text(surface, f, tag, (inner.right, y), 13, theme.state_colour(state), "topright",
                  width=inner.width // 2 + 20)
        text(surface, f, w.of(spec.label) or n, (inner.x, y), 14, theme.TEXT, width=tr.x - inner.x - 10)
        y2 = y + lh
        ch = w.of(sc.channels[spec.channel].label) or spec.channel
        bx = inner.x + int(inner.width * 0.5)
        alarm = s.alarms.get(n) if s.alarms else None
        cr = text(surface, f, what, (inner.x, y2), 13, theme.MUTED, width=bx - inner.x - 8)  # short: never cut
        if alarm is not None and alarm.raised:
            said = " " + w("queues.alarm", ratio=ratio_text(alarm))
            if f.get(13).size(said)[0] > bx - 8 - cr.right:  # the mark and the ratio at least
                said = f" {theme.state_mark('warn')} {ratio_text(alarm)}"
            bx = max(bx, min(cr.right + f.get(13).size(said)[0] + 8, inner.right - 40))  # the bar gives way
            text(surface, f, said, (cr.right, y2), 13, theme.BAD, width=bx - 8 - cr.right)
        elif bx - 8 - cr.right > f.get(13).size(" · …")[0]:
            text(surface, f, f" · {ch}", (cr.right, y2), 13, theme.MUTED, width=bx - 8 - cr.right)
        scale = bad * 1.5
        bar(surface, (bx, y2 + lh // 2 - 3, inner.right - bx, 7), longest / scale, theme.state_colour(state),
            marker=good / scale, marker_colour=theme.MUTED)
        y += row


def _staff(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    inner = panel(surface, f, rect, w("staff.title"), background=False)
    names = list(s.pools)
    lh = f.get(14).get_linesize()
    row = lh + 12
    y = inner.y
    for i, n in enumerate(names):
        if y + row > inner.bottom + 4:
            text(surface, f, w("list.more", n=len(names) - i), (inner.right, inner.bottom - lh), 12, theme.FAINT, "topright")
            break
        p = s.pools[n]
        occ = p.busy / p.on_duty if p.on_duty else 0.0
        state = "none" if not p.on_duty else "ok" if occ < 0.85 else "warn" if occ < 0.97 else "bad"
        head = w("staff.busy", busy=p.busy, on_duty=p.on_duty)
        if p.target != p.on_duty:
            head += " " + w("staff.heading_to", target=p.target)
        tr = text(surface, f, f"{theme.state_mark(state)} {head}", (inner.right, y), 13, theme.state_colour(state),
                  "topright", width=inner.width // 2 + 30)
        text(surface, f, w.of(dash.sc.pools[n].label) or n, (inner.x, y), 14, theme.TEXT, width=tr.x - inner.x - 8)
        bar(surface, (inner.x, y + lh + 2, inner.width, 5), occ, theme.state_colour(state))
        y += row


def _reputation(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    sc = dash.sc
    floor = sc.scoring.reputation_floor
    base = sc.reputation.base
    inner = panel(surface, f, rect, w("rep.title", floor=f"{floor:g}", base=f"{base:g}"), background=False)
    r = s.reputation
    state = reputation_state(r, floor)
    big = 30 if inner.height > 8 * f.get(14).get_linesize() else 24
    nr = text(surface, f, f"{r:.1f}", (inner.x, inner.y), big, theme.TEXT, width=inner.width, bold=True)
    hist = dash.clock.history
    j = hist.index_before(s.time - TREND_MINUTES)
    d = r - hist.reputation[j] if len(hist) else 0.0
    arrow = "▲" if d > 0.05 else "▼" if d < -0.05 else "■"
    lh = f.get(14).get_linesize()
    state_tag(surface, f, state, w(f"rep.{state}"), (nr.right + 12, inner.y), 14, width=inner.right - nr.right - 12)
    text(surface, f, w("rep.trend", arrow=arrow, delta=f"{d:+.1f}", span=duration_text(w, TREND_MINUTES)),
         (nr.right + 12, inner.y + lh + 2), 13, theme.MUTED, width=inner.right - nr.right - 12)
    top = max(nr.bottom, inner.y + 2 * lh + 4) + 4
    chart = pygame.Rect(inner.x, top, inner.width, inner.bottom - top)
    if chart.height < 30:
        return
    pts = list(zip(hist.times, hist.reputation, strict=False))
    vals = hist.reputation or [r]
    lo = max(0.0, min(min(vals), floor, base) - 4)
    hi = min(100.0, max(max(vals), floor, base) + 4)
    ticks = dash.time_of_day.hour_ticks(0.0, s.duration, max(2, chart.width // 70))
    guides = [(floor, theme.BAD, w("rep.floor_line", v=f"{floor:g}")), (base, theme.MUTED, w("rep.base_line", v=f"{base:g}"))]
    dash.charts["reputation"].draw(surface, f, chart, (len(hist), hist.times[-1] if len(hist) else 0, w.lang), pts,
                                   (0.0, s.duration), lo, hi, theme.ACCENT, ticks, guides)


def _loss(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    sc = dash.sc
    cur = sc.meta.currency
    budget = sc.scoring.loss_budget
    inner = panel(surface, f, rect, w("loss.title"), background=False)
    elapsed = s.time / s.duration if s.duration else 1.0
    state = loss_state(s.total_loss, budget, elapsed)
    figure = money(s.total_loss, cur)
    size = next((z for z in (26, 23, 20, 18) if f.get(z, True).size(figure)[0] <= inner.width), 18)  # smaller, not cut
    nr = text(surface, f, figure, (inner.x, inner.y), size, theme.TEXT, width=inner.width, bold=True)
    lh = f.get(13).get_linesize()
    y = nr.bottom + 2
    if budget:
        share = s.total_loss / budget
        line = f"{theme.state_mark(state)} " + w(f"loss.{state}", share=f"{share:.0%}", budget=money(budget, cur))
        y = paragraph(surface, f, line, (inner.x, y, inner.width, 2 * lh), 13, theme.state_colour(state), max_lines=2) + 4
    L = s.losses
    parts = [
        (w("loss.churn"), L.get("churn_margin", 0) + L.get("acquisition", 0) + L.get("churn_tail", 0)),
        (w("loss.compensation"), L.get("compensation", 0) + L.get("retention", 0)),
        (w("loss.staff"), L.get("staff_regular", 0) + L.get("staff_overtime", 0)),
        (w("loss.actions"), L.get("actions", 0)),
    ]
    operational = sum(L.get(k, 0) for k in ("incidents", "retrieval", "fines", "exposure_tail"))
    if operational:  # exposures: incident claims, units taken back, fines and (at the end) the tail
        parts.append((w("loss.operational"), operational))
    room = inner.bottom - y
    shown = max(0, min(len(parts), (room - 70) // (lh + 1)))  # the chart first, then as many parts as fit
    parts = fold_parts(parts, shown, w("loss.other"))
    chart = pygame.Rect(inner.x, y, inner.width, room - shown * (lh + 1) - (6 if shown else 0))
    if chart.height >= 30:
        hist = dash.clock.history
        pts = list(zip(hist.times, hist.loss, strict=False))
        top_v = max([budget or 0.0] + hist.loss + [s.total_loss]) * 1.08 or 1.0
        ticks = dash.time_of_day.hour_ticks(0.0, s.duration, max(2, chart.width // 70))
        guides = [(budget, theme.BAD, w("loss.budget_line", v=money(budget, cur)))] if budget else []
        dash.charts["loss"].draw(surface, f, chart, (len(hist), hist.times[-1] if len(hist) else 0, w.lang), pts,
                                 (0.0, s.duration), 0.0, top_v, theme.SERIES, ticks, guides)
        y = chart.bottom + 6
    for label, v in parts:
        if y + lh > inner.bottom + 2:
            break
        r = text(surface, f, money(v), (inner.right, y), 13, theme.TEXT, "topright")
        text(surface, f, label, (inner.x, y), 13, theme.MUTED, width=r.x - inner.x - 10)
        y += lh + 1


def fold_parts(parts: list[tuple[str, float]], shown: int, other: str) -> list[tuple[str, float]]:
    """At most ``shown`` rows that still add up to the total: when some do not fit, the largest
    stay (in their order) and the rest are summed in one ``other`` row."""
    if shown >= len(parts):
        return parts
    if shown <= 0:
        return []
    keep = set(sorted(range(len(parts)), key=lambda i: -abs(parts[i][1]))[: shown - 1])
    rest = sum(v for i, (_, v) in enumerate(parts) if i not in keep)
    return [p for i, p in enumerate(parts) if i in keep] + [(other, rest)]


def _actions(dash, surface, rect) -> None:
    app = dash.app
    panel(surface, app.fonts, rect, app.words("actions.title"), background=False)
    for b in action_buttons(dash):
        b.draw(surface, app.fonts, app.mouse, size=14)


def _tooltip(dash, surface) -> None:
    """What an action does and costs, while the mouse is over its button."""
    app = dash.app
    f = app.fonts
    w = app.words
    for b in action_buttons(dash):
        if not b.rect.collidepoint(app.mouse):
            continue
        spec = dash.action_specs[b.action]
        _, (money_line, when) = dash.action_cost(spec)
        lines = [w.of(spec.description)] if spec.description else []
        lines += [money_line, when]
        g = Grid(app.size)
        width = min(g.w - 20, max(320, f.px(14) * 30))
        lh = f.get(14).get_linesize()
        n = sum(len(f.wrap(t, f.get(14), width - 20)) for t in lines)
        box = pygame.Rect(0, 0, width, n * lh + 20)
        box.midbottom = (min(max(b.rect.centerx, width // 2 + 4), g.w - width // 2 - 4), b.rect.y - 6)
        if box.y < 4:
            box.y = b.rect.bottom + 6
        pygame.draw.rect(surface, theme.BUTTON_HOVER, box, border_radius=theme.RADIUS)
        pygame.draw.rect(surface, theme.ACCENT, box, 1, border_radius=theme.RADIUS)
        y = box.y + 10
        for i, t in enumerate(lines):
            colour = theme.TEXT if i < len(lines) - 2 or not spec.description else theme.MUTED
            y = paragraph(surface, f, t, (box.x + 10, y, width - 20, box.bottom - y), 14, colour)
        return


def event_line(dash, e: dict) -> tuple[str, tuple, str]:
    """(line, colour, detail) of a log event in the current language."""
    w = dash.app.words
    k = e["kind"]
    cur = dash.sc.meta.currency
    if k == "inject":
        inj = next((i for i in dash.sc.injects if i.id == e["id"]), None)
        title = w.of(inj.title) if inj else e.get("title", "")
        return "▲ " + title, theme.BAD, (w.of(inj.text) if inj else e.get("text", ""))
    if k == "card_shown":
        return "◆ " + w("events.card", title=w.of(dash.cards[e["id"]].title)), theme.ACCENT, ""
    if k == "decision":
        spec = dash.spec_of(f"card:{e['card']}:{e['option']}")
        who = w(f"who.{e['by']}") if e["by"] in ("trainee", "timeout", "policy") else e["by"]
        cost = f"{money(e['cost'], cur)} · " if e.get("cost") else ""  # the figure first: a cut takes words
        return f"→ {cost}{w.of(spec.label) if spec else e['option']}", theme.TEXT, who
    if k == "action":
        spec = dash.action_specs.get(e["id"])
        cost = f" · {money(e['cost'], cur)}" if e.get("cost") else ""
        return f"✓ {w.of(spec.label) if spec else e['id']}{cost}", theme.GOOD, ""
    if k == "mark":
        from crisissim.game.words import mark_text

        return "◇ " + mark_text(w, e["mark"], e.get("text", "")), theme.WARN, ""
    if k == "alarm":
        label = dash.sc.contact_types[e["type"]].label or e["type"]
        return "▲ " + w("events.alarm", type=w.of(label), observed=f"{e['observed']:.0f}", expected=f"{e['expected']:.0f}"), \
            theme.BAD, ""
    if k in ("incident", "exposure_open"):
        ex = dash.sc.exposures.get(e["exposure"])
        if k == "exposure_open":
            what = w.of(ex.label) if ex is not None and ex.label else e["exposure"]
            unit = w.of(ex.unit) if ex is not None else ""
            return "▲ " + w("events.exposure_open", what=what, units=f"{e['units']:,}", unit=unit), theme.BAD, ""
        inc = ex.incidents.get(e["incident"]) if ex is not None else None
        what = w.of(inc.label) if inc is not None and inc.label else e["incident"]
        return "! " + w("events.incident", what=what, cost=money(e["cost"], cur)), theme.BAD, ""
    spec = dash.spec_of(e["source"])
    label = w.of(spec.label) if spec is not None else e["source"]
    key = "events.effect_start" if k == "effect_start" else "events.effect_end"
    return w(key, what=label), theme.MUTED, ""


def _events(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    inner = panel(surface, f, rect, w("events.title"), background=False)
    lh = f.get(14).get_linesize()
    tw = f.get(13).size("D2 00:00 ")[0] if dash.sc.meta.duration > 1440 else f.get(13).size("+00:00 ")[0]
    y = inner.y
    now = s.time
    waiting = [p for p in dash.pending if p.state(now) != "done"]
    if waiting:
        text(surface, f, w("events.in_progress"), (inner.x, y), 13, theme.MUTED)
        y += lh
        for p in waiting[-4:]:
            if y + lh > inner.bottom:
                return
            label = w.of(p.spec.label)
            if p.state(now) == "pending":
                line = w("events.pending", what=label, clock=dash.time_of_day(p.starts),
                         wait=duration_text(w, p.starts - now))
                colour = theme.WARN
            else:
                line = w("events.active", what=label, clock=dash.time_of_day(p.ends))
                colour = theme.GOOD
            lines = 2 if y + 3 * lh <= inner.bottom else 1  # wrapped: the time it takes effect stays in view
            y = paragraph(surface, f, line, (inner.x, y, inner.width, lines * lh), 14, colour, max_lines=lines)
        pygame.draw.line(surface, theme.PANEL_EDGE, (inner.x, y + 3), (inner.right, y + 3), 1)
        y += 8
    if not dash.events:
        text(surface, f, w("events.quiet"), (inner.x, y), 14, theme.FAINT)
        return
    for e in reversed(dash.events):
        if y + lh > inner.bottom:
            break
        line, colour, detail = event_line(dash, e)
        text(surface, f, dash.time_of_day(e["t"]), (inner.x, y + 1), 13, theme.FAINT)
        lines = 2 if y + 2 * lh <= inner.bottom else 1
        y = paragraph(surface, f, line, (inner.x + tw, y, inner.width - tw, lines * lh), 14, colour, max_lines=lines)
        if detail and y + lh <= inner.bottom:
            y = paragraph(surface, f, detail, (inner.x + tw, y, inner.width - tw, 2 * lh), 13, theme.MUTED, max_lines=2)
        y += 3


def _exposures(dash, surface, s, rect) -> None:
    """Units at risk, what brings them back, and the incidents so far (scenarios with exposures)."""
    app = dash.app
    f = app.fonts
    w = app.words
    cur = dash.sc.meta.currency
    inner = panel(surface, f, rect, w("exposure.title"), background=False)
    lh = f.get(13).get_linesize()
    y = inner.y
    views = s.exposures or {}
    for name, spec in dash.sc.exposures.items():
        if y + lh > inner.bottom:
            break
        v = views.get(name)
        label = w.of(spec.label) or name
        unit = w.of(spec.unit)
        if v is None or not v.open:
            text(surface, f, f"{label} · {w('exposure.not_open')}", (inner.x, y), 14, theme.MUTED, width=inner.width)
            y += lh + 4
            continue
        r = text(surface, f, w("exposure.exposed", n=f"{v.exposed:,.0f}", unit=unit), (inner.right, y), 13,
                 theme.WARN if v.exposed > 0 else theme.GOOD, "topright", width=inner.width // 2)
        text(surface, f, label, (inner.x, y), 14, theme.TEXT, width=r.x - inner.x - 8)
        y += lh + 2
        if v.retrieved or v.retrieval_per_day:
            line = w("exposure.retrieval", n=f"{v.retrieved:,.0f}", rate=f"{v.retrieval_per_day:.0%}",
                     cost=money(v.retrieval_cost, cur))
            state = "ok"
        else:
            line, state = w("exposure.no_retrieval"), "warn"
        if y + lh <= inner.bottom:
            state_tag(surface, f, state, line, (inner.x + 10, y), 13, width=inner.width - 10)
            y += lh
        for kind, ispec in spec.incidents.items():
            if y + lh > inner.bottom:
                break
            n = v.incidents.get(kind, 0)
            cost = v.incident_costs.get(kind, 0.0)
            line = w("exposure.incidents", what=w.of(ispec.label) or kind, n=f"{n:,}")
            colour = theme.BAD if n else theme.MUTED
            mr = text(surface, f, money(cost, cur), (inner.right, y), 13, colour, "topright")  # the figure: whole
            text(surface, f, ("✖ " if n else "· ") + line, (inner.x + 10, y), 13, colour, width=mr.x - inner.x - 18)
            y += lh
        y += 6


TONES = {"negative": ("▼", theme.BAD), "neutral": ("●", theme.MUTED), "positive": ("♥", theme.GOOD)}


def _social(dash, surface, s, rect) -> None:
    app = dash.app
    f = app.fonts
    w = app.words
    inner = panel(surface, f, rect, w("social.title", n=s.unanswered_posts), background=False)
    lh = f.get(13).get_linesize()
    y = inner.y
    company = w.of(dash.sc.meta.company) or w("social.company")
    items = dash.feed.items
    if not items:
        text(surface, f, w("social.none"), (inner.x, y), 14, theme.FAINT)
        return
    for item in reversed(items):
        if y + 2 * lh > inner.bottom:
            break
        when = dash.time_of_day(item.t)
        if item.kind == "post":
            mark, colour = TONES[item.tone]
            author = w.of(item.author) if item.author is not None else w("social.customer")
            reach = " · " + w("social.reach", n=compact(item.reach)) if item.reach else ""
            head = f"{mark} {w('tone.' + item.tone)}{reach} · {author}"  # the reach before a name that may be cut
            label = w.of(dash.sc.contact_types[item.contact_type].label) if item.contact_type in dash.sc.contact_types else ""
            body = w.of(item.text) if item.text is not None else w("social.generic", topic=label)
        elif item.kind == "message":
            mark, colour = TONES[item.tone]
            head = f"{mark} {w('tone.' + item.tone)} · {w('social.facilitator')}"
            body = item.text
        elif item.kind == "company":
            colour = theme.ACCENT
            head = "◆ " + w("social.official", company=company)
            body = w.of(item.text)
        else:
            colour = theme.GOOD
            head = "↩ " + w("social.replied", company=company, n=item.count)
            body = w.of(item.text) if item.text is not None else ""
        hr = text(surface, f, when, (inner.right, y), 12, theme.FAINT, "topright")
        text(surface, f, head, (inner.x, y), 13, colour, width=hr.x - inner.x - 8)
        y += lh
        if body:
            y = paragraph(surface, f, body, (inner.x + 10, y, inner.width - 10, 2 * lh), 13, theme.TEXT, max_lines=2)
        y += 5
