"""The live dashboard: clock and speed, service, queues, staff, reputation, losses, actions,
events (with what is still on its way) and the social feed.

The simulation advances in fixed steps (see :mod:`crisissim.game.clock`) only in
``update``; ``draw`` reads the last snapshot and never changes anything. When a
decision card opens, the cards overlay is pushed on top. Drawing is in
:mod:`crisissim.game.scenes.panels`.
"""

from __future__ import annotations

from typing import Any

import pygame

from crisissim.engine import DecisionError
from crisissim.game.clock import SPEEDS, raised_alarms
from crisissim.game.costs import describe, estimate, resolved_per_hour
from crisissim.game.feed import Feed
from crisissim.game.fmt import TimeOfDay
from crisissim.game.keys import Binding
from crisissim.game.pending import from_event
from crisissim.game.scenes import panels
from crisissim.game.scenes.panels import ratio_text
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Chart

ACTION_KEYS = "qwertyuiop"  # letters no card option (A–E), help (H), language (L) or skip (N) uses
TOAST_SECONDS = 5.0
EVENTS_KEPT = 80


class DashboardScene(Scene):
    """Space pauses, 1/2/3 set 1×/2×/4×, N skips to the next event, Q W E … use actions, Esc asks to leave."""

    help_title = "help.scene.dashboard"
    paints_background = True

    def __init__(self, app, session):
        super().__init__(app)
        self.session = session
        self.clock = session.clock
        sc = session.scenario
        self.sc = sc
        self.time_of_day = TimeOfDay(sc.meta.start)
        self.cards = {c.id: c for c in sc.decisions}
        self.action_specs = {a.id: a for a in sc.actions}
        self.kinds = {n: sc.channels[t.channel].kind for n, t in sc.contact_types.items()}
        self.events: list[dict] = []  # log events worth showing, oldest first
        self.pending = []  # Pending uses of options and actions
        self.feed = Feed(sc, session.seed)
        self._seen = 0
        self._alarms: set[str] = set()
        self._effects_seen: set[tuple] = set()
        self.toast = ""
        self._toast = None  # () -> str, re-read in the current language
        self.toast_left = 0.0
        self._save_error = ""
        self.done = False
        self.charts = {"reputation": Chart(), "loss": Chart()}
        self.chrome = None  # (layout key, surface): background and panels, drawn once per window size
        self._memo_key = None
        self._memo: dict = {}
        self.sync()

    # -------------------------------------------------------------- state
    def spec_of(self, source: str):
        """The option or action behind an engine source such as ``card:recall:full-recall``."""
        parts = source.split(":")
        if parts[0] == "card" and len(parts) == 3 and parts[1] in self.cards:
            return next((o for o in self.cards[parts[1]].options if o.id == parts[2]), None)
        if parts[0] == "action" and len(parts) == 2:
            return self.action_specs.get(parts[1])
        return None

    def sync(self) -> None:
        """Take new engine events into the event list, the feed and the pending list."""
        new = self.session.sim.events_since(self._seen)
        self._seen += len(new)
        for e in new:
            self._take(e)
        snap = self.clock.snap
        raised = raised_alarms(snap)
        for name in sorted(raised - self._alarms):  # an early warning: into the events, and said once
            a = snap.alarms[name]
            e = {"t": snap.time, "kind": "alarm", "type": name, "observed": a.observed_rate, "expected": a.expected_rate}
            self.events.append(e)
            w = self.app.words
            label = self.sc.contact_types[name].label or name
            self.say(lambda label=label, a=a, w=w: w("toast.alarm", type=w.of(label), ratio=ratio_text(a)))
        self._alarms = raised
        self.feed.take_posts(snap.recent_posts)
        self.feed.take_replies(snap.time, self.clock.stats)
        now = snap.time
        self.pending = [p for p in self.pending if p.state(now) != "done"]

    def _take(self, e: dict) -> None:
        k = e["kind"]
        w = self.app.words
        if k in ("inject", "card_shown", "decision", "action", "incident", "exposure_open", "mark"):
            self.events.append(e)
        elif k == "message":
            self.feed.take_message(e)
        elif k in ("effect_start", "effect_end") and not e["source"].startswith("inject:"):
            key = (e["t"], k, e["source"])
            if key not in self._effects_seen:
                self._effects_seen.add(key)
                self.events.append(e)
            self.feed.take_event(e, self.spec_of(e["source"]))
        if k in ("decision", "action"):
            p = from_event(self.sc, e)
            if p is not None:
                self.pending.append(p)
        if k == "decision" and e["by"] == "timeout":
            label = self.spec_of(f"card:{e['card']}:{e['option']}").label
            self.say(lambda: w("toast.timeout", option=w.of(label)))
        del self.events[:-EVENTS_KEPT]

    def memo(self, name: str, compute):
        """``compute()`` once per simulation step, decision, language and layout (for drawing)."""
        app = self.app
        key = (self.clock.snap.time, self._seen, app.words.lang, app.size, app.fonts.scale, self.clock.finished)
        if key != self._memo_key:
            self._memo_key = key
            self._memo = {}
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    def resolved_rates(self) -> dict[str, float]:
        """Resolved contacts per hour of each type at the current volume (for cost estimates)."""
        c = self.clock
        return self.memo("rates", lambda: resolved_per_hour(self.sc, c.history, c.stats, c.snap.time))

    def say(self, message) -> None:
        """Show a short message at the bottom for a few seconds (a string, or a callable giving one)."""
        self._toast = message if callable(message) else (lambda: message)
        self.toast = self._toast()
        self.toast_left = TOAST_SECONDS

    def tick_toast(self, dt: float) -> None:
        self.toast_left = max(0.0, self.toast_left - dt)

    def act(self, action_id: str) -> bool:
        """Use an action now; False (and a message) when it is not available."""
        try:
            self.session.sim.act(action_id)
        except DecisionError as e:
            self.say(str(e))
            return False
        self.clock.refresh()
        self.sync()
        w = self.app.words
        spec = self.action_specs[action_id]
        starts = self.clock.snap.time + spec.delay
        if spec.delay > 0:
            self.say(lambda: w("toast.action_pending", action=w.of(spec.label), clock=self.time_of_day(starts)))
        else:
            self.say(lambda: w("toast.action_now", action=w.of(spec.label)))
        return True

    def open_card(self) -> bool:
        """Push the cards overlay (oldest open card first); False when none is open."""
        from crisissim.game.scenes.card import CardScene

        if not self.clock.snap.open_cards:
            return False
        self.app.stack.push(CardScene(self.app, self))
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
        top: Any = stack.top
        if hasattr(top, "problem"):
            top.problem = self.app.words("menu.left_early", path=path)

    def ask_leave(self) -> None:
        from crisissim.game.scenes.confirm import ConfirmScene

        w = self.app.words
        self.app.stack.push(ConfirmScene(self.app, lambda: w("leave.question"),
                                         lambda: w("leave.detail", path=self.session.save_path), self.leave,
                                         yes=lambda: w("leave.yes"), no=lambda: w("leave.no")))

    # -------------------------------------------------------------- input
    def bindings(self) -> list[Binding]:
        c = self.clock
        n = min(len(self.sc.actions), len(ACTION_KEYS))
        out = [
            Binding(("space",), lambda i: c.toggle_pause(), "key.pause"),
            Binding(tuple(str(i + 1) for i in range(len(SPEEDS))), lambda i: c.set_speed(SPEEDS[i]), "key.speed",
                    keys="1 / 2 / 3"),
            Binding(("n",), lambda i: self.skip(), "key.skip"),
        ]
        if n:
            out.append(Binding(tuple(ACTION_KEYS[:n]), self.use_action, "key.action",
                               keys=" ".join(ACTION_KEYS[:n].upper())))
        out.append(Binding(("backspace",), lambda i: self.open_rewind(), "key.rewind"))
        out.append(Binding(("f9",), lambda i: self.open_facilitator(), "key.facilitator"))
        out.append(Binding(("escape",), lambda i: self.ask_leave(), "key.leave"))
        return out

    def startup(self) -> None:
        if getattr(self.app.options, "facilitator", False):
            self.open_facilitator()

    def open_facilitator(self) -> None:
        """The facilitator's panel beside the dashboard (F9 or ``--facilitator``)."""
        from crisissim.game.scenes.facilitator import FacilitatorScene

        if not self.clock.finished:
            self.app.stack.push(FacilitatorScene(self.app, self))

    def open_rewind(self) -> None:
        from crisissim.game.scenes.rewind import RewindScene

        self.app.stack.push(RewindScene(self.app, self.session))

    def skip(self) -> None:
        self.clock.skip()

    def use_action(self, i: int) -> None:
        acts = self.clock.snap.actions
        if not 0 <= i < len(acts) or self.clock.finished:
            return
        a = acts[i]
        if a.ready:
            self.act(a.id)
        else:
            w = self.app.words
            self.say(lambda: w("toast.action_unavailable", action=w.of(self.action_specs[a.id].label),
                               why=self.action_state(a)))

    def action_state(self, a) -> str:
        w = self.app.words
        if a.ready:
            return w("action.ready") if a.uses_left is None else w("action.uses_left", n=a.uses_left)
        if a.uses_left == 0:
            return w("action.used")
        return w("action.ready_in", clock=self.time_of_day(self.clock.snap.time + a.ready_in))

    def action_cost(self, spec):
        s = self.clock.snap
        cost = estimate(self.sc, spec, s.time, s.duration, self.resolved_rates())
        return cost, describe(self.app.words, cost, self.sc.meta.currency, self.time_of_day, s.time)

    def top_buttons(self) -> list[Button]:
        return panels.top_buttons(self)

    speed_buttons = top_buttons

    def action_buttons(self) -> list[Button]:
        return panels.action_buttons(self)

    def handle_event(self, event) -> None:
        if event.type != pygame.MOUSEBUTTONDOWN or event.button != 1:
            return
        c = self.clock
        for b in self.top_buttons():
            if b.hit(event.pos):
                if b.action == "pause":
                    c.toggle_pause()
                elif b.action == "skip":
                    self.skip()
                else:
                    c.set_speed(b.action)
                return
        for b in self.action_buttons():
            if b.hit(event.pos):
                self.act(b.action)
                return

    def update(self, dt: float) -> None:
        self.tick_toast(dt)
        if self._toast is not None:
            self.toast = self._toast()
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
        if self.session.autosave_due():
            self.session.autosave()
        saver = self.session.autosaver
        if saver.error and saver.error != self._save_error:  # a full disk, a vanished folder: said, once
            self._save_error = saver.error
            w = self.app.words
            self.say(lambda why=saver.error: w("toast.autosave_failed", why=why))
        if self.clock.snap.open_cards:
            self.open_card()
        elif self.clock.finished:
            self.finish()

    # --------------------------------------------------------------- draw
    def draw(self, surface) -> None:
        panels.draw_dashboard(self, surface)
