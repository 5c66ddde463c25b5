"""The decision cards overlay: every open card as a tab with its countdown, one card in full.

While a card is open the simulation keeps running at ``CARD_PACE`` times the 1× rate
(a quarter), whatever the speed setting: the crisis does not wait, but the trainee has
time to read. Space pauses it like anywhere else. Options are chosen with the letters
A, B, C… or a click; their order on the card is shuffled per seed (the same in a replay),
so the first option is not always the one an expert would take. An option whose cost
reaches a share of the loss budget asks for confirmation. At a card's deadline the
engine takes its default; the dashboard says so.
"""

from __future__ import annotations

from typing import Any, cast

import pygame

from crisissim.engine import DecisionError
from crisissim.engine.rng import generator
from crisissim.game import theme
from crisissim.game.clock import SPEEDS
from crisissim.game.costs import describe, estimate, is_costly
from crisissim.game.fmt import TimeOfDay, money
from crisissim.game.keys import Binding
from crisissim.game.stack import Scene
from crisissim.game.widgets import Grid, bar, line_count, paragraph, state_tag, text, veil

CARD_PACE = 0.25
LETTERS = "ABCDE"  # a card has at most five options


def countdown(minutes: float) -> str:
    """``M:SS`` of simulated time left."""
    s = max(0, int(round(minutes * 60)))
    return f"{s // 60}:{s % 60:02d}"


def option_order(seed: int, card) -> list:
    """The card's options in display order: a permutation drawn from the run's seed and the card id."""
    perm = generator(seed, f"game:options:{card.id}").permutation(len(card.options))
    return [card.options[int(i)] for i in perm]


class CardScene(Scene):
    """The open cards; ``card_id`` is the one shown in full."""

    overlay = True
    help_title = "help.scene.card"

    def __init__(self, app, dashboard, card_id: str | None = None):
        super().__init__(app)
        self.dashboard = dashboard
        self.session = dashboard.session
        sc = self.session.scenario
        self.specs = {c.id: c for c in sc.decisions}
        self.clock = TimeOfDay(sc.meta.start)
        self._orders: dict[str, list] = {}
        self.closed = False
        self.minimised = False
        open_now = self.open_cards()
        self.card_id = card_id if card_id is not None else (open_now[0].id if open_now else None)

    # ------------------------------------------------------------ state
    def open_cards(self):
        """Open cards, oldest first."""
        return sorted(self.session.clock.snap.open_cards, key=lambda c: (c.shown, c.deadline, c.id))

    @property
    def spec(self):
        return self.specs[self.card_id]

    @property
    def view(self):
        return next((c for c in self.session.clock.snap.open_cards if c.id == self.card_id), None)

    def options(self, card_id: str | None = None) -> list:
        cid = cast(str, card_id or self.card_id)
        if cid not in self._orders:
            self._orders[cid] = option_order(self.session.seed, self.specs[cid])
        return self._orders[cid]

    def cost(self, option):
        snap = self.session.clock.snap
        return estimate(self.session.scenario, option, snap.time, snap.duration, self.dashboard.resolved_rates())

    # ------------------------------------------------------------- keys
    def bindings(self) -> list[Binding]:
        c = self.session.clock
        n = len(self.options()) if self.card_id and not self.minimised else 0
        out = [Binding(tuple(LETTERS[:n].lower()), self.choose_index, "key.card_option", keys=f"A–{LETTERS[n - 1]}")] if n else []
        return out + [
            Binding(("v",), lambda i: self.toggle_view(), "key.card_view"),
            Binding(("tab", "right"), lambda i: self.switch(+1), "key.card_next"),
            Binding(("shift+tab", "left"), lambda i: self.switch(-1), "key.card_previous"),
            Binding(("space",), lambda i: c.toggle_pause(), "key.pause"),
            Binding(tuple(str(i + 1) for i in range(len(SPEEDS))), lambda i: c.set_speed(SPEEDS[i]), "key.speed",
                    keys="1 / 2 / 3"),
            Binding(("escape",), lambda i: self.dashboard.ask_leave(), "key.leave"),
        ]

    def toggle_view(self) -> None:
        """Fold the cards into a strip to look at the dashboard (the countdowns go on), or unfold them."""
        self.minimised = not self.minimised

    def switch(self, d: int) -> None:
        cards = self.open_cards()
        if not cards:
            return
        ids = [c.id for c in cards]
        i = ids.index(self.card_id) if self.card_id in ids else 0
        self.card_id = ids[(i + d) % len(ids)]

    def choose_index(self, i: int) -> None:
        opts = self.options()
        if 0 <= i < len(opts):
            self.choose(opts[i].id)

    def choose(self, option_id: str, confirmed: bool = False) -> None:
        """Take ``option_id`` on the card shown (asking first when it is costly)."""
        if self.closed or self.card_id is None:
            return
        card_id = self.card_id
        option = next(o for o in self.spec.options if o.id == option_id)
        cost = self.cost(option)
        if not confirmed and is_costly(self.session.scenario, cost):
            from crisissim.game.scenes.confirm import ConfirmScene

            w = self.app.words
            cur = self.session.scenario.meta.currency
            self.app.stack.push(ConfirmScene(
                self.app,
                lambda: w("card.confirm_question", option=w.of(option.label)),
                lambda: w("card.confirm_detail", total=money(cost.total, cur),
                          budget=money(self.session.scenario.scoring.loss_budget or 0, cur)),
                lambda: self._decide(card_id, option_id),
                yes=lambda: w("card.confirm_yes"), no=lambda: w("card.confirm_no")))
            return
        self._decide(card_id, option_id)

    def _decide(self, card_id: str, option_id: str) -> None:
        try:
            self.session.sim.decide(card_id, option_id)
        except DecisionError as e:
            self.dashboard.say(str(e))
        self.session.clock.refresh()
        self.dashboard.sync()
        self._follow()

    def _follow(self) -> None:
        """Show the next open card, or close when none is left."""
        ids = [c.id for c in self.open_cards()]
        if self.card_id in ids:
            return
        if ids:
            self.card_id = ids[0]
        else:
            self.close()

    def close(self) -> None:
        self.closed = True
        if self.app.stack.top is self:
            self.app.stack.pop()

    def update(self, dt: float) -> None:
        clock = self.session.clock
        clock.update(dt, pace=CARD_PACE)
        self.dashboard.sync()
        self.dashboard.tick_toast(dt)
        if clock.finished:
            self.close()
            return
        self._follow()

    # ------------------------------------------------------------ layout
    def layout(self) -> dict:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)

        def sp(v: float) -> int:  # spacing grows with the text
            return int(round(v * f.scale))

        width = min(g.w - 24, max(g.x(860), f.px(16) * 52))
        pad = sp(24)
        inner = width - 2 * pad
        spec = self.spec
        lh = {s: f.get(s).get_linesize() for s in (13, 14, 15, 17)}
        title_h = min(2, line_count(f, w.of(spec.title), inner, 23, True)) * f.get(23, True).get_linesize()
        tabs_h = lh[14] + sp(10)
        n = len(spec.options)
        gap = sp(8)
        head = sp(16) + lh[13] + sp(6) + tabs_h + gap + title_h + gap + sp(16) + lh[15] + sp(16) + lh[13] + sp(16)
        row_h = f.get(17).get_linesize() + 2 * lh[14] + sp(12)
        compact = g.h - 16 - head - n * (row_h + gap) < lh[17]  # no room for a line of prompt: one line per option
        if compact:
            row_h = f.get(17).get_linesize() + lh[14] + sp(10)
        fixed = head + n * (row_h + gap)
        room = g.h - 16 - fixed
        prompt_lines = max(1, min(8, line_count(f, w.of(spec.prompt), inner, 17), room // lh[17]))
        prompt_h = prompt_lines * lh[17]
        box = g.centre(width, fixed + prompt_h)
        x = box.x + pad
        y = box.y + sp(16)
        out = {"box": box, "x": x, "w": inner, "head_y": y, "gap": gap, "compact": compact}
        y += lh[13] + sp(6)
        out["tabs"] = pygame.Rect(x, y, inner, tabs_h)
        y += tabs_h + gap
        out["title"] = pygame.Rect(x, y, inner, title_h)
        y += title_h + gap
        out["prompt"] = pygame.Rect(x, y, inner, prompt_h)
        y += prompt_h + sp(16)
        out["count_y"] = y
        y += lh[15] + sp(16)
        rows = []
        for _ in range(n):
            rows.append(pygame.Rect(x, y, inner, row_h))
            y += row_h + gap
        out["rows"] = rows
        return out

    def tab_rects(self, lay) -> list[tuple[pygame.Rect, Any]]:
        cards = self.open_cards()
        if not cards:
            return []
        area = lay["tabs"]
        wdt = (area.width - 6 * (len(cards) - 1)) // len(cards)
        return [(pygame.Rect(area.x + i * (wdt + 6), area.y, wdt, area.height), c) for i, c in enumerate(cards)]

    def handle_event(self, event) -> None:
        if event.type != pygame.MOUSEBUTTONDOWN or event.button != 1 or self.card_id is None:
            return
        if self.minimised:
            if self.strip().collidepoint(event.pos):
                self.toggle_view()
            return
        lay = self.layout()
        for rect, card in self.tab_rects(lay):
            if rect.collidepoint(event.pos):
                self.card_id = card.id
                return
        for rect, option in zip(lay["rows"], self.options(), strict=False):
            if rect.collidepoint(event.pos):
                self.choose(option.id)
                return

    # -------------------------------------------------------------- draw
    def covers(self) -> list[pygame.Rect]:
        return [self.strip()] if self.minimised else []

    def strip(self) -> pygame.Rect:
        """Where the folded cards sit: a strip along the bottom of the window."""
        f = self.app.fonts
        g = Grid(self.app.size)
        h = f.get(15).get_linesize() + 16
        return pygame.Rect(8, g.h - h - 8, g.w - 16, h)

    def _draw_strip(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        now = self.session.clock.snap.time
        r = self.strip()
        pygame.draw.rect(surface, theme.BUTTON_ON, r, border_radius=8)
        pygame.draw.rect(surface, theme.ACCENT, r, 2, border_radius=8)
        cards = self.open_cards()
        parts = [f"{i + 1}. {w.of(self.specs[c.id].title)} {countdown(c.deadline - now)}" for i, c in enumerate(cards)]
        hint = w("card.folded_hint")
        hw = f.get(14).size(hint)[0]
        text(surface, f, hint, (r.right - 12, r.centery), 14, theme.TEXT, "midright")
        text(surface, f, "◆ " + w("card.folded", n=len(cards)) + " · " + " · ".join(parts), (r.x + 12, r.centery), 15,
             theme.TEXT, "midleft", width=r.width - hw - 40)

    def draw(self, surface) -> None:
        if self.card_id is None or self.view is None:
            veil(surface)
            return
        if self.minimised:
            self._draw_strip(surface)
            return
        veil(surface)
        f = self.app.fonts
        w = self.app.words
        s = self.session
        snap = s.clock.snap
        lay = self.layout()
        box, x, iw = lay["box"], lay["x"], lay["w"]
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.ACCENT, box, 2, border_radius=10)
        cards = self.open_cards()
        ids = [c.id for c in cards]
        pos = ids.index(self.card_id) + 1 if self.card_id in ids else 1
        text(surface, f, w("card.heading", i=pos, n=len(cards)), (x, lay["head_y"]), 13, theme.ACCENT)
        state = w("card.paused") if s.clock.paused else w("card.pace", pace="¼")
        text(surface, f, f"{self.clock(snap.time)} · {state}", (x + iw, lay["head_y"]), 13,
             theme.WARN if s.clock.paused else theme.FAINT, "topright")
        for rect, card in self.tab_rects(lay):
            active = card.id == self.card_id
            pygame.draw.rect(surface, theme.BUTTON_ON if active else theme.BUTTON, rect, border_radius=5)
            pygame.draw.rect(surface, theme.ACCENT if active else theme.PANEL_EDGE, rect, 1, border_radius=5)
            left = card.deadline - snap.time
            cd = countdown(left)
            cw = f.get(14).size(cd)[0]
            text(surface, f, cd, (rect.right - 8, rect.centery), 14, self._left_colour(card, snap.time), "midright")
            text(surface, f, f"{ids.index(card.id) + 1}. {w.of(self.specs[card.id].title)}", (rect.x + 8, rect.centery),
                 14, theme.TEXT, "midleft", width=rect.width - cw - 24)
        paragraph(surface, f, w.of(self.spec.title), lay["title"], 23, theme.TEXT, max_lines=2, bold=True)
        paragraph(surface, f, w.of(self.spec.prompt), lay["prompt"], 17, theme.TEXT)
        v = self.view
        left = v.deadline - snap.time
        share = left / max(v.deadline - v.shown, 1e-9)
        st = "ok" if share > 0.5 else "warn" if share > 0.2 else "bad"
        y = lay["count_y"]
        r = state_tag(surface, f, st, w("card.left", time=countdown(left)), (x, y), 15)
        default = next(o for o in self.spec.options if o.id == self.spec.default)
        g16 = 2 * lay["gap"]
        text(surface, f, w("card.default", option=w.of(default.label)), (r.right + g16, y + 1), 14, theme.MUTED,
             width=x + iw - r.right - g16)
        bar(surface, (x, y + f.get(15).get_linesize() + 4, iw, 8), share, theme.state_colour(st))
        cur = s.scenario.meta.currency
        for i, (rect, option) in enumerate(zip(lay["rows"], self.options(), strict=False)):
            self._option(surface, rect, LETTERS[i], option, cur, snap.time, lay["compact"])
        text(surface, f, w("card.hint", last=LETTERS[len(self.spec.options) - 1]), (box.centerx, box.bottom - lay["gap"]), 13,
             theme.FAINT, "midbottom", width=iw)

    def _left_colour(self, card, now):
        share = (card.deadline - now) / max(card.deadline - card.shown, 1e-9)
        return theme.state_colour("ok" if share > 0.5 else "warn" if share > 0.2 else "bad")

    def _option(self, surface, rect, letter, option, currency, now, compact: bool = False) -> None:
        f = self.app.fonts
        w = self.app.words
        hover = rect.collidepoint(self.app.mouse)
        pygame.draw.rect(surface, theme.BUTTON_HOVER if hover else theme.BUTTON, rect, border_radius=theme.RADIUS)
        pygame.draw.rect(surface, theme.ACCENT if hover else theme.PANEL_EDGE, rect, 2 if hover else 1,
                         border_radius=theme.RADIUS)
        k = f.scale
        key_w = f.get(17, True).size("W")[0] + int(20 * k)
        badge = pygame.Rect(rect.x + int(6 * k), rect.y + int(6 * k), key_w, f.get(17, True).get_linesize() + int(4 * k))
        pygame.draw.rect(surface, theme.BUTTON_ON, badge, border_radius=4)
        text(surface, f, letter, badge.center, 17, theme.TEXT, "center", bold=True)
        tx = badge.right + int(10 * k)
        tw = rect.right - int(8 * k) - tx
        y = rect.y + int(6 * k)
        label = w.of(option.label)
        if option.id == self.spec.default:
            label += "  " + w("card.default_tag")
        text(surface, f, label, (tx, y), 17, theme.TEXT, width=tw)
        y += f.get(17).get_linesize() + 2
        money_line, when = describe(w, self.cost(option), currency, self.clock, now)
        if compact:  # a short window: what it costs and when, on one line
            text(surface, f, f"{money_line} · {when}", (tx, y), 14, theme.TEXT, width=tw)
            return
        text(surface, f, money_line, (tx, y), 14, theme.TEXT, width=tw)
        y += f.get(14).get_linesize()
        text(surface, f, when, (tx, y), 14, theme.MUTED, width=tw)
