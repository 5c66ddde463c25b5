"""The live dashboard: clock and speed, queues, staff, reputation, losses, feed and actions.

The simulation advances in fixed steps (see :mod:`crisissim.game.clock`) only in
``update``; ``draw`` reads the last snapshot and never changes anything. When a
decision card opens, the card overlay is pushed on top.
"""

from __future__ import annotations

import pygame

from crisissim.engine import DecisionError
from crisissim.game import theme
from crisissim.game.clock import SPEEDS
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, bar, clock_text, money, paragraph, panel, sparkline, text

SPEED_KEYS = {pygame.K_1: 1, pygame.K_2: 2, pygame.K_3: 4}
ACTION_KEYS = (pygame.K_q, pygame.K_w, pygame.K_e, pygame.K_r, pygame.K_t, pygame.K_y)
QUEUE_REF = {"sync": 10.0, "social": 10.0, "async": 60.0}  # the count that fills half a bar
TREND_WINDOW = 240.0  # minutes of reputation shown in the sparkline
TOAST_SECONDS = 4.0


def _labels(sc):
    """Display names for option and action sources such as ``card:recall:full-recall``."""
    out = {}
    for c in sc.decisions:
        for o in c.options:
            out[f"card:{c.id}:{o.id}"] = o.label
    for a in sc.actions:
        out[f"action:{a.id}"] = a.label
    return out


class DashboardScene(Scene):
    """Space pauses, 1/2/3 set 1×/2×/4×, Q W E … use actions, Esc asks to leave."""

    def __init__(self, app, session):
        super().__init__(app)
        self.session = session
        self.clock = session.clock
        sc = session.scenario
        self.sc = sc
        self.cards = {c.id: c for c in sc.decisions}
        self.action_specs = {a.id: a for a in sc.actions}
        self.sources = _labels(sc)
        self.kinds = {n: sc.channels[t.channel].kind for n, t in sc.contact_types.items()}
        self.feed: list[tuple[float, str, tuple]] = []  # (minutes, line, colour), oldest first
        self._seen = 0
        self._effects_seen: set[tuple] = set()
        self.toast = ""
        self.toast_left = 0.0
        self.done = False
        self.sync()

    # -------------------------------------------------------------- state
    def sync(self) -> None:
        """Take new engine events into the feed (after the clock moved or a choice)."""
        new = self.session.sim.events_since(self._seen)
        for e in new:
            self._feed(e)
        self._seen += len(new)

    def _feed(self, e: dict) -> None:
        t, k = e["t"], e["kind"]
        cur = self.sc.meta.currency
        if k == "inject":
            self.feed.append((t, "▲ " + e["title"], theme.BAD))
            if e.get("text"):
                self.feed.append((t, e["text"], theme.MUTED))
        elif k == "card_shown":
            self.feed.append((t, "Decision card: " + e["title"], theme.ACCENT))
        elif k == "decision":
            opt = self.sources.get(f"card:{e['card']}:{e['option']}", e["option"])
            who = {"trainee": "you", "timeout": "time ran out, default"}.get(e["by"], e["by"])
            cost = f" · {money(e['cost'], cur)}" if e.get("cost") else ""
            self.feed.append((t, f"→ {opt} ({who}){cost}", theme.WARN))
        elif k == "action":
            cost = f" · {money(e['cost'], cur)}" if e.get("cost") else ""
            self.feed.append((t, f"✓ {self.sources.get('action:' + e['id'], e['id'])}{cost}", theme.GOOD))
        elif k in ("effect_start", "effect_end") and not e["source"].startswith("inject:"):
            key = (t, k, e["source"])
            if key not in self._effects_seen:
                self._effects_seen.add(key)
                what = "takes effect" if k == "effect_start" else "ends"
                self.feed.append((t, f"{self.sources.get(e['source'], e['source'])} {what}", theme.MUTED))
        del self.feed[:-60]

    def say(self, message: str) -> None:
        """Show a short message at the bottom for a few seconds."""
        self.toast, self.toast_left = message, TOAST_SECONDS

    def act(self, action_id: str) -> bool:
        """Use an action now; False (and a message) when it is not available."""
        try:
            self.session.sim.act(action_id)
        except DecisionError as e:
            self.say(str(e))
            return False
        self.clock.refresh()
        self.sync()
        self.say(f"{self.action_specs[action_id].label}: done")
        return True

    def open_card(self) -> bool:
        """Push the card overlay for the oldest open card; False when none is open."""
        from crisissim.game.scenes.card import CardScene

        cards = self.clock.snap.open_cards
        if not cards:
            return False
        card = min(cards, key=lambda c: (c.shown, c.deadline))
        self.app.stack.push(CardScene(self.app, self, card.id))
        return True

    def finish(self) -> None:
        """The run is over: save it and show the debrief."""
        from crisissim.game.scenes.debrief import DebriefScene

        self.done = True
        self.app.leave_session()
        self.app.stack.replace(DebriefScene(self.app, self.session))

    def leave(self) -> None:
        """Stop the run early: save it and go back to the menu."""
        path = self.app.leave_session()
        self.app.session = None
        self.done = True
        stack = self.app.stack
        while stack.top is not None and stack.top is not self:
            stack.pop()
        if stack.top is self:
            stack.pop()
        top = stack.top
        if hasattr(top, "problem"):
            top.problem = f"Run left early and saved to {path}"

    # -------------------------------------------------------------- input
    def speed_buttons(self) -> list[Button]:
        c = self.clock
        out = [Button((1000, 10, 80, 38), "Pause", pygame.K_SPACE, selected=c.paused, action=0)]
        for i, s in enumerate(SPEEDS):
            out.append(Button((1090 + i * 60, 10, 52, 38), f"{s}×", pygame.K_1 + i, selected=not c.paused and c.speed == s, action=s))
        return out

    def action_buttons(self) -> list[Button]:
        acts = self.clock.snap.actions
        if not acts:
            return []
        inner = pygame.Rect(456, 572, 368, 126)
        n = len(acts)
        cols = 1 if n <= 3 else 2
        rows = -(-n // cols)
        w = (inner.width - (cols - 1) * 8) // cols
        h = min(44, (inner.height - (rows - 1) * 6) // rows)
        cur = self.sc.meta.currency
        out = []
        for i, a in enumerate(acts):
            r, c = divmod(i, cols)
            if a.ready:
                state = "ready" if a.uses_left is None else f"{a.uses_left} use{'s' if a.uses_left != 1 else ''} left"
            elif a.uses_left == 0:
                state = "used"
            else:
                state = f"ready in {a.ready_in:.0f} min"
            key = "QWERTY"[i] if i < len(ACTION_KEYS) else ""
            label = f"[{key}] {a.label}" if key else a.label
            out.append(Button((inner.x + c * (w + 8), inner.y + r * (h + 6), w, h), label,
                              ACTION_KEYS[i] if i < len(ACTION_KEYS) else None, enabled=a.ready and not self.clock.finished,
                              sub=f"{money(a.cost, cur) if a.cost else 'no direct cost'} · {state}", action=a.id))
        return out

    def handle_event(self, event) -> None:
        c = self.clock
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_SPACE:
                c.toggle_pause()
            elif event.key in SPEED_KEYS:
                c.set_speed(SPEED_KEYS[event.key])
            elif event.key == pygame.K_ESCAPE:
                self.ask_leave()
            else:
                for b in self.action_buttons():
                    if b.key == event.key:
                        if b.enabled:
                            self.act(b.action)
                        else:
                            self.say(f"{b.label[4:]}: {b.sub.split(' · ')[-1]}")
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.speed_buttons():
                if b.hit(event.pos):
                    c.toggle_pause() if b.action == 0 else c.set_speed(b.action)
            for b in self.action_buttons():
                if b.hit(event.pos):
                    self.act(b.action)

    def ask_leave(self) -> None:
        from crisissim.game.scenes.confirm import ConfirmScene

        self.app.stack.push(ConfirmScene(self.app, "Leave this run?",
                                         f"The run so far is saved to {self.session.save_path}", self.leave))

    def update(self, dt: float) -> None:
        self.toast_left = max(0.0, self.toast_left - dt)
        if self.done:
            return
        if self.clock.finished:
            self.finish()
            return
        if self.clock.snap.open_cards:
            self.open_card()
            return
        self.clock.update(dt)
        self.sync()
        if self.clock.snap.open_cards:
            self.open_card()
        elif self.clock.finished:
            self.finish()

    # --------------------------------------------------------------- draw
    def draw(self, surface) -> None:
        s = self.clock.snap
        f = self.app.fonts
        self._top(surface, s, f)
        self._queues(surface, s, f)
        self._staff(surface, s, f)
        self._reputation(surface, s, f)
        self._money(surface, s, f)
        self._actions(surface, s, f)
        self._events(surface, f)
        self._social(surface, s, f)
        if self.toast_left > 0 and self.toast:
            r = pygame.Rect(0, 0, 760, 34)
            r.midbottom = (640, 704)
            pygame.draw.rect(surface, theme.BUTTON_HOVER, r, border_radius=theme.RADIUS)
            text(surface, f.get(15), self.toast, r.center, theme.TEXT, "center", width=740)

    def _top(self, surface, s, f) -> None:
        text(surface, f.get(20, bold=True), self.sc.meta.title, (16, 8), theme.TEXT, width=520)
        text(surface, f.get(13), f"seed {self.session.seed} · {self.sc.meta.currency}", (16, 36), theme.FAINT)
        text(surface, f.get(30, bold=True), clock_text(s.time), (700, 4), theme.TEXT, "topright")
        text(surface, f.get(16), f"/ {clock_text(s.duration)} simulated", (708, 16), theme.MUTED)
        state = "PAUSED" if self.clock.paused else f"{self.clock.rate * self.clock.speed:g} sim min / s"
        text(surface, f.get(13), state, (980, 20), theme.WARN if self.clock.paused else theme.FAINT, "topright")
        for b in self.speed_buttons():
            b.draw(surface, f, self.app.mouse)
        bar(surface, (0, 56, 1280, 4), s.time / s.duration if s.duration else 1.0, theme.ACCENT)

    def _queues(self, surface, s, f) -> None:
        inner = panel(surface, (12, 70, 420, 360), "Queues and backlogs", f.get(15))
        names = list(self.sc.contact_types)
        row = min(52, inner.height // max(1, len(names)))
        for i, n in enumerate(names):
            y = inner.y + i * row
            spec = self.sc.contact_types[n]
            kind = self.kinds[n]
            count = s.queues.get(n, s.backlog.get(n, 0))
            what = {"sync": "waiting", "async": "in backlog", "social": "posts open"}[kind]
            vr = text(surface, f.get(15), f"{count:,} {what}", (inner.right, y), theme.TEXT, "topright")
            room = vr.x - inner.x - 12
            lr = text(surface, f.get(15), spec.label or n, (inner.x, y), theme.TEXT, width=room - 50)
            ch = self.sc.channels[spec.channel]
            text(surface, f.get(12), ch.label or spec.channel, (lr.right + 8, y + 3), theme.FAINT, width=max(8, vr.x - lr.right - 20))
            share = count / (count + QUEUE_REF[kind])
            bar(surface, (inner.x, y + 22, inner.width, 8), share, theme.level_colour(share))

    def _staff(self, surface, s, f) -> None:
        inner = panel(surface, (12, 440, 420, 268), "Staff on duty · busy", f.get(15))
        names = list(s.pools)
        row = min(44, inner.height // max(1, len(names)))
        for i, n in enumerate(names):
            p = s.pools[n]
            y = inner.y + i * row
            label = self.sc.pools[n].label or n
            text(surface, f.get(14), label, (inner.x, y), theme.TEXT, width=250)
            tail = f" → {p.target}" if p.target != p.on_duty else ""
            text(surface, f.get(14), f"{p.busy}/{p.on_duty}{tail}", (inner.right, y), theme.TEXT, "topright")
            share = p.busy / p.on_duty if p.on_duty else 0.0
            bar(surface, (inner.x, y + 21, inner.width, 7), share, theme.level_colour(share * 0.9) if p.on_duty else theme.FAINT)

    def _reputation(self, surface, s, f) -> None:
        inner = panel(surface, (444, 70, 392, 200), "Reputation (0–100)", f.get(15))
        floor = self.sc.scoring.reputation_floor
        r = s.reputation
        colour = theme.BAD if r < floor else theme.WARN if r < floor + 5 else theme.GOOD
        text(surface, f.get(34, bold=True), f"{r:.1f}", (inner.x, inner.y - 4), colour)
        hist = [(t, v) for t, v, _ in self.clock.history if t >= s.time - TREND_WINDOW]
        past = [v for t, v, _ in self.clock.history if t <= s.time - 30]
        ref = past[-1] if past else (hist[0][1] if hist else r)
        d = r - ref
        arrow = "▲" if d > 0.05 else "▼" if d < -0.05 else "■"
        text(surface, f.get(15), f"{arrow} {d:+.1f} in 30 min", (inner.x + 110, inner.y + 4), theme.GOOD if d > 0.05 else theme.BAD if d < -0.05 else theme.MUTED)
        text(surface, f.get(13), f"floor {floor:g} · start {self.sc.reputation.initial:g}", (inner.right, inner.y + 6), theme.MUTED, "topright")
        bar(surface, (inner.x, inner.y + 44, inner.width, 10), r / 100.0, colour, marker=floor / 100.0, marker_colour=theme.BAD)
        vals = [v for _, v in hist] or [r]
        lo = min(min(vals), floor) - 3
        hi = max(max(vals), floor) + 3
        sparkline(surface, (inner.x, inner.y + 66, inner.width, inner.bottom - inner.y - 84), hist, lo, hi, theme.ACCENT, guide=floor)
        text(surface, f.get(12), f"last {TREND_WINDOW / 60:g} h · dashed: floor", (inner.x, inner.bottom - 14), theme.FAINT)

    def _money(self, surface, s, f) -> None:
        inner = panel(surface, (444, 280, 392, 250), "Loss so far and service", f.get(15))
        cur = self.sc.meta.currency
        budget = self.sc.scoring.loss_budget
        share = s.total_loss / budget if budget else 0.0
        text(surface, f.get(28, bold=True), money(s.total_loss, cur), (inner.x, inner.y - 4), theme.level_colour(share) if budget else theme.TEXT)
        if budget:
            text(surface, f.get(13), f"{share:.0%} of budget {money(budget, cur)}", (inner.right, inner.y + 8), theme.MUTED, "topright")
            bar(surface, (inner.x, inner.y + 38, inner.width, 8), share, theme.level_colour(share))
        L = s.losses
        parts = [
            ("Churned customers (CLV + replacing)", L.get("churn_clv", 0) + L.get("acquisition", 0)),
            ("Compensation paid", L.get("compensation", 0)),
            ("Staff (regular + overtime)", L.get("staff_regular", 0) + L.get("staff_overtime", 0)),
            ("Decisions and actions", L.get("actions", 0)),
        ]
        y = inner.y + 56
        for label, v in parts:
            text(surface, f.get(14), label, (inner.x, y), theme.MUTED)
            text(surface, f.get(14), money(v), (inner.right, y), theme.TEXT, "topright")
            y += 22
        sl = self.sc.scoring.service_level
        ok = s.service_level >= sl.target
        y += 8
        text(surface, f.get(15), f"Service level {s.service_level:.0%} within {sl.threshold * 60:g} s", (inner.x, y), theme.GOOD if ok else theme.BAD)
        text(surface, f.get(14), f"target {sl.target:.0%}", (inner.right, y + 1), theme.MUTED, "topright")
        y += 24
        text(surface, f.get(14), f"Churned {s.churned:,} · abandoned {s.abandoned:,} · served {s.served:,} of {s.arrived:,}",
             (inner.x, y), theme.MUTED, width=inner.width)

    def _actions(self, surface, s, f) -> None:
        panel(surface, (444, 540, 392, 168), "Actions (click or key)", f.get(15))
        for b in self.action_buttons():
            b.draw(surface, f, self.app.mouse, size=14)

    def _events(self, surface, f) -> None:
        inner = panel(surface, (848, 70, 420, 400), "Events (newest first)", f.get(15))
        font = f.get(14)
        lh = font.get_linesize()
        y = inner.y
        for t, line, colour in reversed(self.feed):
            if y + lh > inner.bottom:
                break
            text(surface, font, clock_text(t), (inner.x, y), theme.FAINT)
            lines = 2 if y + 2 * lh <= inner.bottom else 1
            y = paragraph(surface, font, line.strip(), (inner.x + 46, y, inner.width - 46, lines * lh), colour, max_lines=lines) + 3
        if not self.feed:
            text(surface, font, "Quiet so far.", inner.topleft, theme.FAINT)

    def _social(self, surface, s, f) -> None:
        inner = panel(surface, (848, 480, 420, 228), f"Social media · {s.unanswered_posts} negative posts unanswered", f.get(15))
        font = f.get(14)
        lh = font.get_linesize() + 1
        y = inner.y
        for t, kind, negative in reversed(s.recent_posts):
            if y + lh > inner.bottom:
                break
            label = self.sc.contact_types[kind].label or kind if kind in self.sc.contact_types else kind
            text(surface, font, clock_text(t), (inner.x, y), theme.FAINT)
            text(surface, font, ("● negative · " if negative else "○ neutral · ") + label, (inner.x + 46, y),
                 theme.BAD if negative else theme.MUTED, width=inner.width - 46)
            y += lh
        if not s.recent_posts:
            text(surface, font, "No posts yet.", inner.topleft, theme.FAINT)
