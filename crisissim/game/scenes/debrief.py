"""The debrief: the score against the scenario's targets and what each decision cost or saved.

Each decision's worth is measured by re-running the same seed with only that decision
changed (see :mod:`crisissim.game.counterfactual`); the re-runs go on a few per frame
so the window stays responsive. Money in the scenario currency.
"""

from __future__ import annotations

import time

import pygame

from crisissim.game import theme
from crisissim.game.counterfactual import debrief_rows
from crisissim.game.fmt import TimeOfDay, money
from crisissim.game.keys import Binding
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Grid, paragraph, panel, state_tag, text

FRAME_BUDGET = 0.05  # real seconds of re-runs per frame


def verdicts(d: dict, sc, w) -> list[tuple[str, str, str, bool | None]]:
    """(heading, value, against, met) for the four scores of a result dict."""
    cur = d["currency"]
    s = sc.scoring
    budget = s.loss_budget
    rep = d["reputation"]
    return [
        (w("debrief.loss"), money(d["total_loss"], cur),
         w("debrief.budget", budget=money(budget, cur)) if budget is not None else w("debrief.no_budget"),
         None if budget is None else d["total_loss"] <= budget),
        (w("debrief.service"), f"{d['service_level']:.1%}",
         w("debrief.service_target", target=f"{s.service_level.target:.0%}", seconds=f"{s.service_level.threshold * 60:g}"),
         d["service_level"] >= s.service_level.target),
        (w("debrief.reputation"), w("debrief.rep_value", final=f"{rep['final']:.1f}", low=f"{rep['min']:.1f}"),
         w("debrief.rep_against", floor=f"{s.reputation_floor:g}", start=f"{rep['initial']:g}"),
         rep["min"] >= s.reputation_floor),
        (w("debrief.churned"), f"{d['churned']:,}",
         w("debrief.abandoned", abandoned=f"{d['contacts']['abandoned']:,}", arrived=f"{d['contacts']['arrived']:,}"), None),
    ]


def row_lines(row, actual: float, sc, w) -> tuple[str, str, bool]:
    """The headline and the what-if line of one debrief row, and whether the choice was the cheapest."""
    cur = sc.meta.currency
    clock = TimeOfDay(sc.meta.start)
    who = w(f"who.{row.by}") if row.by in ("trainee", "timeout", "policy") else row.by
    if row.kind == "action":
        head = w("debrief.action_head", clock=clock(row.t), title=w.of(row.title), who=who)
        loss = row.variants.get("without")
        if loss is None:
            return head, "", True
        diff = loss - actual
        key = "debrief.action_saved" if diff >= 0 else "debrief.action_cost"
        return head, w(key, loss=money(loss, cur), diff=money(abs(diff), cur)), diff >= 0
    card = next(c for c in sc.decisions if c.id == row.id)
    head = w("debrief.card_head", clock=clock(row.t), title=w.of(row.title), label=w.of(row.label), who=who)
    labels = {o.id: o.label for o in card.options}
    bits = []
    for alt, loss in row.variants.items():
        diff = loss - actual
        tag = " " + w("debrief.default_tag") if alt == card.default else ""
        what = w("debrief.more_lost", diff=money(diff, cur)) if diff >= 0 else w("debrief.saved", diff=money(-diff, cur))
        bits.append(f"{w.of(labels[alt])}{tag}: {what}")
    best = all(loss >= actual for loss in row.variants.values())
    return head, (w("debrief.instead") + "   ·   ".join(bits)) if bits else "", best


class DebriefScene(Scene):
    """Enter: back to the menu; Esc: quit; ↑ ↓ or the wheel scroll the decisions."""

    help_title = "help.scene.debrief"

    def __init__(self, app, session):
        super().__init__(app)
        self.session = session
        sc = session.scenario
        self.result = session.sim.result().to_dict()
        self._work = debrief_rows(sc, session.seed, self.result["decisions"], self.result["events"])
        self.runs = 0
        self.total_runs = sum(1 if "action" in d else len(next(c for c in sc.decisions if c.id == d["card"]).options) - 1
                              for d in self.result["decisions"]) + 1
        self.rows = None
        self.hands_off = None
        self.scroll = 0

    def bindings(self) -> list[Binding]:
        return [
            Binding(("down", "page down"), lambda i: self.move(+1), "key.scroll_down", repeat=True),
            Binding(("up", "page up"), lambda i: self.move(-1), "key.scroll_up", repeat=True),
            Binding(("return", "enter"), lambda i: self.to_menu(), "key.to_menu"),
            Binding(("escape",), lambda i: self.app.quit(), "key.quit"),
        ]

    def move(self, d: int) -> None:
        self.scroll = max(0, self.scroll + d)

    def buttons(self) -> tuple[Button, Button]:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        h = f.get(16).get_linesize() + 20
        bw = max(g.x(170), f.get(16).size(w("debrief.menu") + " [Enter]")[0] + 30)
        quit_ = Button((g.w - 20 - bw, g.h - 14 - h, bw, h), w("debrief.quit"), "Esc")
        menu = Button((quit_.rect.x - 16 - bw, g.h - 14 - h, bw, h), w("debrief.menu"), "Enter")
        return menu, quit_

    def work(self, budget: float | None = None) -> bool:
        """Run re-runs for up to ``budget`` real seconds (all when None); True when done."""
        start = time.perf_counter()
        while self.rows is None:
            out = next(self._work)
            if out is None:
                self.runs += 1
            else:
                self.rows, self.hands_off = out.rows, out.hands_off
            if budget is not None and time.perf_counter() - start > budget:
                break
        return self.rows is not None

    def update(self, dt: float) -> None:
        if self.rows is None:
            self.work(FRAME_BUDGET)

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEWHEEL:
            self.move(-event.y)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            menu, quit_ = self.buttons()
            if menu.hit(event.pos):
                self.to_menu()
            elif quit_.hit(event.pos):
                self.app.quit()

    def to_menu(self) -> None:
        self.app.session = None
        if self.app.stack.top is self:
            self.app.stack.pop()

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        sc = self.session.scenario
        d = self.result
        r = text(surface, f, w("debrief.title", title=w.of(sc.meta.title)), (20, 12), 26, theme.TEXT, width=g.w - 40,
                 bold=True)
        r = text(surface, f, w("debrief.info", id=sc.meta.id, seed=d["seed"], hours=f"{sc.meta.duration / 60:g}"),
                 (20, r.bottom + 2), 14, theme.FAINT, width=g.w - 40)
        cards_h = f.get(15).get_linesize() + f.get(24, True).get_linesize() + 2 * f.get(13).get_linesize() + 36
        cw = (g.w - 40 - 3 * 12) // 4
        for i, (head, value, against, met) in enumerate(verdicts(d, sc, w)):
            inner = panel(surface, f, (20 + i * (cw + 12), r.bottom + 10, cw, cards_h), head)
            text(surface, f, value, inner.topleft, 24, theme.TEXT, width=inner.width, bold=True)
            y = inner.y + f.get(24, True).get_linesize()
            text(surface, f, against, (inner.x, y), 13, theme.MUTED, width=inner.width)
            if met is not None:
                state_tag(surface, f, "ok" if met else "bad", w("debrief.met") if met else w("debrief.missed"),
                          (inner.x, y + f.get(13).get_linesize() + 2), 14)
        menu, quit_ = self.buttons()
        top = r.bottom + 10 + cards_h + 10
        self._decisions(surface, pygame.Rect(20, top, g.w - 40, menu.rect.y - 10 - top), sc, d)
        saved = self.session.saved
        if saved is not None:
            paragraph(surface, f, w("debrief.saved_to", path=saved), (20, menu.rect.y, menu.rect.x - 40, menu.rect.height),
                      13, theme.FAINT, max_lines=2)
        menu.draw(surface, f, self.app.mouse)
        quit_.draw(surface, f, self.app.mouse)

    def _decisions(self, surface, area, sc, d) -> None:
        f = self.app.fonts
        w = self.app.words
        inner = panel(surface, f, area, w("debrief.decisions"), 16)
        text(surface, f, w("debrief.method"), (inner.right, area.y + 12), 13, theme.FAINT, "topright",
             width=inner.width // 2)
        if self.rows is None:
            text(surface, f, w("debrief.working", done=self.runs, total=self.total_runs), inner.topleft, 16, theme.MUTED)
            return
        if not self.rows:
            text(surface, f, w("debrief.no_decisions"), inner.topleft, 16, theme.MUTED)
            return
        cur = sc.meta.currency
        diff = self.hands_off - d["total_loss"]
        if abs(diff) < 0.5:
            verdict, state = w("debrief.same"), "none"
        elif diff > 0:
            verdict, state = w("debrief.play_saved", diff=money(diff, cur)), "ok"
        else:
            verdict, state = w("debrief.play_cost", diff=money(-diff, cur)), "bad"
        state_tag(surface, f, state, w("debrief.hands_off", loss=money(self.hands_off, cur), verdict=verdict),
                  inner.topleft, 15, width=inner.width)
        lh = f.get(15).get_linesize()
        inner = pygame.Rect(inner.x, inner.y + lh + 8, inner.width, inner.height - lh - 8)
        clip = surface.get_clip()
        surface.set_clip(inner)
        y = inner.y
        self.scroll = min(self.scroll, len(self.rows) - 1)
        for row in self.rows[self.scroll:]:
            if y > inner.bottom:
                break
            head, whatif, best = row_lines(row, d["total_loss"], sc, w)
            text(surface, f, head, (inner.x, y), 16, theme.TEXT, width=inner.width, bold=True)
            y += f.get(16, True).get_linesize() + 2
            if whatif:
                y = state_tag(surface, f, "ok" if best else "warn", whatif, (inner.x + 16, y), 14,
                              width=inner.width - 16).bottom
            if row.debrief:
                y = paragraph(surface, f, w.of(row.debrief), (inner.x + 16, y, inner.width - 16, 2 * f.get(14).get_linesize()),
                              14, theme.MUTED, max_lines=2)
            y += 10
        surface.set_clip(clip)
        if len(self.rows) > 1:
            text(surface, f, w("debrief.scroll", i=self.scroll + 1, n=len(self.rows)), (inner.right, inner.bottom - 2),
                 12, theme.FAINT, "bottomright")
