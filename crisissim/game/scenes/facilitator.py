"""The facilitator's panel (F9, or ``crisissim play --facilitator``): running a class.

Pause and set the speed, fire any inject of the scenario now, post a message to the social
feed, mark a discussion point. Each move goes through the engine's public API and into the
run's decision log (by ``facilitator``), so it is saved, replayed exactly by ``crisissim run
--replay`` and listed in the after-action report. The panel sits at the window's side; the
dashboard beside it goes on running (cards still open over it) unless paused. Typing a
message or a discussion point takes every key but Enter, Esc, Backspace and Tab.
"""

from __future__ import annotations

import pygame

from crisissim.engine import DecisionError
from crisissim.engine.crisis import TEXT_MAX, TONES
from crisissim.game import theme
from crisissim.game.clock import SPEEDS
from crisissim.game.keys import Binding, pretty
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Grid, line_count, paragraph, text
from crisissim.game.words import entry_text

SHOWN_LOG = 6  # facilitator moves listed


class FacilitatorScene(Scene):
    """Space pause · 1 2 3 speed · ↑ ↓ Enter fire an inject · M message · D discussion point · F9/Esc close."""

    overlay = True
    help_title = "help.scene.facilitator"

    def __init__(self, app, dashboard):
        super().__init__(app)
        self.dashboard = dashboard
        self.session = dashboard.session
        self.injects = list(self.session.scenario.injects)
        self.selected = 0
        self.typing: str | None = None  # "message" | "discussion" while text is typed
        self.draft = ""
        self.tone = "negative"
        self.notice = ""

    # ---------------------------------------------------------------- keys
    def bindings(self) -> list[Binding]:
        if self.typing:
            return [
                Binding(("return", "enter"), lambda i: self.commit(), "key.fac_commit"),
                Binding(("escape",), lambda i: self.cancel(), "key.fac_cancel"),
                Binding(("backspace",), lambda i: self.erase(), "key.fac_erase", repeat=True),
                Binding(("tab",), lambda i: self.next_tone(), "key.fac_tone"),
            ]
        out = [
            Binding(("space",), lambda i: self.toggle_pause(), "key.fac_pause"),
            Binding(tuple(str(i + 1) for i in range(len(SPEEDS))), lambda i: self.set_speed(SPEEDS[i]), "key.fac_speed",
                    keys="1 / 2 / 3"),
        ]
        if self.injects:
            out += [
                Binding(("up",), lambda i: self.move(-1), "key.fac_up", repeat=True),
                Binding(("down",), lambda i: self.move(+1), "key.fac_down", repeat=True),
                Binding(("return", "enter"), lambda i: self.fire(self.selected), "key.fac_fire"),
            ]
        out += [
            Binding(("m",), lambda i: self.start("message"), "key.fac_message"),
            Binding(("d",), lambda i: self.start("discussion"), "key.fac_discussion"),
            Binding(("f9", "escape"), lambda i: self.close(), "key.fac_close"),
        ]
        return out

    # -------------------------------------------------------------- moves
    def _log(self, call) -> bool:
        """Take a move through the engine; say why not if it cannot be taken."""
        if self.session.sim.finished:
            return False
        try:
            call(self.session.sim)
        except DecisionError as e:
            self.notice = str(e)
            return False
        self.session.clock.refresh()
        self.dashboard.sync()
        return True

    def toggle_pause(self) -> None:
        c = self.session.clock
        if c.paused:
            if self._log(lambda sim: sim.mark("resume")):
                c.resume()
        elif self._log(lambda sim: sim.mark("pause")):
            c.pause("facilitator")

    def set_speed(self, speed: int) -> None:
        if self._log(lambda sim: sim.mark("speed", str(speed))):
            self.session.clock.set_speed(speed)

    def move(self, d: int) -> None:
        if self.injects:
            self.selected = (self.selected + d) % len(self.injects)

    def fire(self, i: int) -> None:
        if 0 <= i < len(self.injects):
            inj = self.injects[i]
            if self._log(lambda sim: sim.fire_inject(inj.id)):
                w = self.app.words
                self.notice = w("fac.fired", inject=w.of(inj.title or inj.id))

    def start(self, what: str) -> None:
        self.typing = what
        self.draft = ""
        self.notice = ""

    def cancel(self) -> None:
        self.typing = None
        self.draft = ""

    def erase(self) -> None:
        self.draft = self.draft[:-1]

    def next_tone(self) -> None:
        if self.typing == "message":
            self.tone = TONES[(TONES.index(self.tone) + 1) % len(TONES)]

    def type_text(self, s: str) -> None:
        if self.typing:
            self.draft = (self.draft + s.replace("\n", " "))[:TEXT_MAX]

    def commit(self) -> None:
        what, draft, tone = self.typing, self.draft.strip(), self.tone
        w = self.app.words
        if what == "message":
            if not draft:
                self.notice = w("fac.empty")
                return
            ok = self._log(lambda sim: sim.post_message(draft, tone))
        else:
            ok = self._log(lambda sim: sim.mark("discussion", draft))
        if ok:
            self.notice = w("fac.posted") if what == "message" else w("fac.marked")
            self.cancel()

    def close(self) -> None:
        if self.app.stack.top is self:
            self.app.stack.pop()

    # ------------------------------------------------------------ frames
    def update(self, dt: float) -> None:
        self.dashboard.update(dt)  # the run goes on beside the panel (a card opens over it)

    def handle_event(self, event) -> None:
        if event.type == getattr(pygame, "TEXTINPUT", -1) and self.typing:
            self.type_text(event.text)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.buttons():
                if b.hit(event.pos):
                    self.click(b.action)
                    return
            for i, r in self.inject_rows():
                if r.collidepoint(event.pos):
                    self.selected = i
                    return

    def click(self, action) -> None:
        if action == "pause":
            self.toggle_pause()
        elif action == "fire":
            self.fire(self.selected)
        elif action in ("message", "discussion"):
            self.start(action)
        elif action == "close":
            self.close()

    # ------------------------------------------------------------ layout
    def box(self) -> pygame.Rect:
        f = self.app.fonts
        g = Grid(self.app.size)
        width = min(g.w - 24, max(g.x(430), f.px(14) * 30))
        top = max(g.y(66), 8)
        return pygame.Rect(g.w - width - 8, top, width, g.h - top - 8)

    def covers(self) -> list[pygame.Rect]:
        return [self.box()]

    def buttons(self) -> list[Button]:
        f = self.app.fonts
        w = self.app.words
        box = self.box()
        h = f.get(14).get_linesize() + 12
        x, y = box.x + 16, box.bottom - 16 - 2 * h - 8
        half = (box.width - 32 - 8) // 2
        c = self.session.clock
        return [
            Button((x, y, half, h), w("fac.go_on") if c.paused else w("fac.pause"), pretty("space", w.lang), action="pause"),
            Button((x + half + 8, y, half, h), w("fac.fire"), pretty("return", w.lang), action="fire", enabled=bool(self.injects)),
            Button((x, y + h + 8, half, h), w("fac.message"), "M", action="message"),
            Button((x + half + 8, y + h + 8, half, h), w("fac.discussion"), "D", action="discussion"),
        ]

    def inject_rows(self) -> list[tuple[int, pygame.Rect]]:
        f = self.app.fonts
        box = self.box()
        lh = f.get(14).get_linesize() + 4
        detail = min(2, line_count(f, self.app.words("fac.detail"), box.width - 32, 13))
        top = box.y + 14 + f.get(20, True).get_linesize() + 2 + detail * f.get(13).get_linesize() + 12 + \
            f.get(15, True).get_linesize() + 4
        bottom = self.buttons()[0].rect.y - 16 - (SHOWN_LOG + 1) * f.get(13).get_linesize() - 3 * lh
        n = max(1, (bottom - top) // lh)
        first = max(0, min(self.selected - n // 2, len(self.injects) - n))
        return [(i, pygame.Rect(box.x + 12, top + (i - first) * lh, box.width - 24, lh - 2))
                for i in range(first, min(len(self.injects), first + n))]

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        sc = self.session.scenario
        clock = self.dashboard.time_of_day
        box = self.box()
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.WARN, box, 2, border_radius=10)
        x, width = box.x + 16, box.width - 32
        r = text(surface, f, w("fac.title"), (x, box.y + 14), 20, theme.TEXT, bold=True, width=width)
        y = paragraph(surface, f, w("fac.detail"), (x, r.bottom + 2, width, 2 * f.get(13).get_linesize()), 13,
                      theme.MUTED, max_lines=2) + 12
        c = self.session.clock
        state = w("fac.paused") if c.paused else w("fac.running", speed=c.speed)
        text(surface, f, w("fac.injects") + " · " + state, (x, y), 15, theme.TEXT, bold=True, width=width)
        rows = self.inject_rows()
        fired = self.session.sim.director.fire_count
        for i, rr in rows:
            inj = self.injects[i]
            if i == self.selected:
                pygame.draw.rect(surface, theme.BUTTON_ON, rr, border_radius=theme.RADIUS)
            n = fired.get(inj.id, 0)
            how = w("fac.fired_n", n=n) if n else (w("fac.at", clock=clock(inj.at)) if isinstance(inj.at, float)
                                                    else w("fac.when") if inj.when else w("fac.random"))
            line = f"{w.of(inj.title or inj.id)} · {how}"
            text(surface, f, line, (rr.x + 6, rr.centery), 14, theme.TEXT if i == self.selected else theme.MUTED,
                 "midleft", width=rr.width - 12)
        if not self.injects:
            text(surface, f, w("fac.no_injects"), (x, y + f.get(15, True).get_linesize() + 4), 14, theme.FAINT)
        y = (rows[-1][1].bottom if rows else y + 2 * f.get(15, True).get_linesize()) + 10
        lh = f.get(13).get_linesize()
        if self.typing:
            prompt = w("fac.type_message", tone=w(f"tone.{self.tone}")) if self.typing == "message" else \
                w("fac.type_discussion")
            text(surface, f, prompt, (x, y), 14, theme.WARN, width=width)
            entry = pygame.Rect(x, y + f.get(14).get_linesize() + 4, width, 2 * f.get(15).get_linesize() + 10)
            pygame.draw.rect(surface, theme.BUTTON, entry, border_radius=theme.RADIUS)
            pygame.draw.rect(surface, theme.ACCENT, entry, 1, border_radius=theme.RADIUS)
            paragraph(surface, f, self.draft + "▏", entry.inflate(-12, -8), 15, theme.TEXT, max_lines=2)
            y = entry.bottom + 4
            text(surface, f, w("fac.type_keys"), (x, y), 12, theme.FAINT, width=width)
            y += lh + 6
        elif self.notice:
            y = paragraph(surface, f, self.notice, (x, y, width, 2 * lh), 13, theme.ACCENT, max_lines=2) + 6
        text(surface, f, w("fac.log"), (x, y), 13, theme.MUTED, width=width)
        y += lh
        moves = [d for d in self.session.decisions if d.get("by") == "facilitator"][-SHOWN_LOG:]
        if not moves:
            text(surface, f, w("fac.log_none"), (x, y), 13, theme.FAINT, width=width)
        bottom = self.buttons()[0].rect.y - 8
        for d in reversed(moves):
            if y + lh > bottom:
                break
            text(surface, f, f"{clock(d['t'])}  {entry_text(sc, w, d)}", (x, y), 13, theme.TEXT, width=width)
            y += lh
        for b in self.buttons():
            b.draw(surface, f, self.app.mouse, size=14)
