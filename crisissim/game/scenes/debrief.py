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
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, clock_text, money, paragraph, panel, text

FRAME_BUDGET = 0.05  # real seconds of re-runs per frame
LIST = pygame.Rect(20, 214, 1240, 420)


def verdicts(d: dict, sc) -> list[tuple[str, str, str, bool | None]]:
    """(heading, value, against, met) for the four scores of a result dict."""
    cur = d["currency"]
    s = sc.scoring
    budget = s.loss_budget
    rep = d["reputation"]
    return [
        ("Total loss", money(d["total_loss"], cur),
         f"budget {money(budget, cur)}" if budget is not None else "no budget set",
         None if budget is None else d["total_loss"] <= budget),
        ("Service level", f"{d['service_level']:.1%}",
         f"target {s.service_level.target:.0%} within {s.service_level.threshold * 60:g} s",
         d["service_level"] >= s.service_level.target),
        ("Reputation", f"{rep['final']:.1f} (low {rep['min']:.1f})", f"floor {s.reputation_floor:g}, start {rep['initial']:g}",
         rep["min"] >= s.reputation_floor),
        ("Churned customers", f"{d['churned']:,}", f"abandoned {d['contacts']['abandoned']:,} of {d['contacts']['arrived']:,} contacts", None),
    ]


def row_lines(row, actual: float, sc) -> tuple[str, str, bool]:
    """The headline and the what-if line of one debrief row, and whether the choice was the cheapest."""
    cur = sc.meta.currency
    who = {"trainee": "you", "timeout": "time ran out, default", "policy": "policy"}.get(row.by, row.by)
    if row.kind == "action":
        head = f"{clock_text(row.t)}  Action: {row.title}  ({who})"
        loss = row.variants.get("without")
        if loss is None:
            return head, "", True
        diff = loss - actual
        what = "saved" if diff >= 0 else "cost"
        return head, (f"Without it the day would have lost {money(loss, cur)}: net of its price, "
                      f"this action {what} {money(abs(diff), cur)}"), diff >= 0
    card = next(c for c in sc.decisions if c.id == row.id)
    head = f"{clock_text(row.t)}  {row.title}  →  {row.label}  ({who})"
    labels = {o.id: o.label for o in card.options}
    bits = []
    for alt, loss in row.variants.items():
        diff = loss - actual
        tag = " (default)" if alt == card.default else ""
        what = f"{money(diff, cur)} more lost" if diff >= 0 else f"{money(-diff, cur)} saved"
        bits.append(f"{labels[alt]}{tag}: {what}")
    best = all(loss >= actual for loss in row.variants.values())
    return head, ("Instead:  " + "   ·   ".join(bits)) if bits else "", best


class DebriefScene(Scene):
    """Enter: back to the menu; Esc: quit; ↑ ↓ or the wheel scroll the decisions."""

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
        self.menu = Button((900, 650, 170, 50), "Menu  (Enter)", pygame.K_RETURN)
        self.quit = Button((1090, 650, 170, 50), "Quit  (Esc)", pygame.K_ESCAPE)

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
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.to_menu()
            elif event.key == pygame.K_ESCAPE:
                self.app.quit()
            elif event.key in (pygame.K_DOWN, pygame.K_PAGEDOWN):
                self.scroll += 1
            elif event.key in (pygame.K_UP, pygame.K_PAGEUP):
                self.scroll = max(0, self.scroll - 1)
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll = max(0, self.scroll - event.y)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.menu.hit(event.pos):
                self.to_menu()
            elif self.quit.hit(event.pos):
                self.app.quit()

    def to_menu(self) -> None:
        self.app.session = None
        self.app.stack.pop()

    def draw(self, surface) -> None:
        f = self.app.fonts
        sc = self.session.scenario
        d = self.result
        text(surface, f.get(26, bold=True), f"Debrief · 事后总结 — {sc.meta.title}", (20, 14), theme.TEXT, width=1240)
        text(surface, f.get(14), f"{sc.meta.id} · seed {d['seed']} · {sc.meta.duration / 60:g} h simulated", (20, 52), theme.FAINT)
        for i, (head, value, against, met) in enumerate(verdicts(d, sc)):
            inner = panel(surface, (20 + i * 312, 80, 300, 120), head, f.get(15))
            colour = theme.TEXT if met is None else theme.GOOD if met else theme.BAD
            text(surface, f.get(24, bold=True), value, inner.topleft, colour, width=inner.width)
            text(surface, f.get(13), against, (inner.x, inner.y + 36), theme.MUTED, width=inner.width)
            if met is not None:
                text(surface, f.get(14), "met ✓" if met else "missed", (inner.x, inner.y + 56), colour)
        self._decisions(surface, f, sc, d)
        saved = self.session.saved
        if saved is not None:
            paragraph(surface, f.get(13), f"Saved to {saved}  ·  replay: crisissim run --replay {saved}",
                      (20, 654, 860, 44), theme.FAINT, max_lines=2)
        self.menu.draw(surface, f, self.app.mouse)
        self.quit.draw(surface, f, self.app.mouse)

    def _decisions(self, surface, f, sc, d) -> None:
        inner = panel(surface, LIST, "Your decisions and what each cost or saved", f.get(16))
        text(surface, f.get(13), "the same day re-run with only that choice changed", (inner.right, LIST.y + 14), theme.FAINT, "topright")
        if self.rows is None:
            text(surface, f.get(16), f"Re-running the day with other choices… {self.runs}/{self.total_runs}", inner.topleft, theme.MUTED)
            return
        if not self.rows:
            text(surface, f.get(16), "No decisions were taken: every card closed with its default.", inner.topleft, theme.MUTED)
            return
        cur = sc.meta.currency
        diff = self.hands_off - d["total_loss"]
        verdict = ("your play ended the same" if abs(diff) < 0.5 else
                   f"your play {'saved' if diff > 0 else 'cost'} {money(abs(diff), cur)}")
        text(surface, f.get(15), f"Left alone (every card its default, no actions) the day would have lost "
             f"{money(self.hands_off, cur)}: {verdict}.", inner.topleft,
             theme.MUTED if abs(diff) < 0.5 else theme.GOOD if diff > 0 else theme.BAD, width=inner.width)
        inner = pygame.Rect(inner.x, inner.y + 30, inner.width, inner.height - 30)
        clip = surface.get_clip()
        surface.set_clip(inner)
        y = inner.y
        for row in self.rows[min(self.scroll, len(self.rows) - 1):]:
            if y > inner.bottom:
                break
            head, whatif, best = row_lines(row, d["total_loss"], sc)
            text(surface, f.get(16, bold=True), head, (inner.x, y), theme.TEXT, width=inner.width)
            y += 24
            if whatif:
                y = paragraph(surface, f.get(14), whatif, (inner.x + 16, y, inner.width - 16, 40), theme.GOOD if best else theme.WARN, max_lines=2)
            if row.debrief:
                y = paragraph(surface, f.get(14), row.debrief, (inner.x + 16, y, inner.width - 16, 40), theme.MUTED, max_lines=2)
            y += 10
        surface.set_clip(clip)
        if len(self.rows) > 4:
            text(surface, f.get(12), f"↑ ↓ scroll ({min(self.scroll, len(self.rows) - 1) + 1}/{len(self.rows)})",
                 (inner.right, inner.bottom - 16), theme.FAINT, "topright")
