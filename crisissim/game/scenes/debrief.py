"""The debrief: the score against the scenario's targets, what each decision cost or saved over
many days (with 95% intervals), the grade against the expert and the lessons met or missed.

The re-runs go on in worker processes (:mod:`crisissim.game.background`); the window draws
their progress and fills each decision in as its days come back, never waiting for them.
When everything is in, the after-action report is written beside the save (also on worker
processes). Money in the scenario currency.
"""

from __future__ import annotations

from pathlib import Path

import pygame

from crisissim.game import theme
from crisissim.game.background import DebriefWork
from crisissim.game.counterfactual import WITHOUT, Debrief
from crisissim.game.keys import Binding, pretty
from crisissim.game.stack import Scene
from crisissim.game.telling import alt_name, effect_lines, grade_lines, hands_off_line, lesson_lines, row_head, verdicts
from crisissim.game.widgets import Button, Grid, bar, line_count, panel, paragraph, state_tag, text

SCROLL_STEP = 3  # lines per key press or wheel notch


def report_dir(save_path: Path) -> Path:
    """Where a run's after-action report goes: ``<save>-report/`` beside the save."""
    return save_path.parent / f"{save_path.stem}-report"


class DebriefScene(Scene):
    """Enter: back to the menu; Esc: quit; ↑ ↓ or the wheel scroll the decisions; Backspace
    goes back to a decision to choose again."""

    help_title = "help.scene.debrief"

    def __init__(self, app, session, workers: int | None = None, reps: int | None = None):
        super().__init__(app)
        self.session = session
        sc = session.scenario
        self.sc = sc
        self.reps = reps or getattr(app.options, "debrief_reps", None) or sc.scoring.debrief_reps
        sim = session.sim
        self.result = sim.result().to_dict()
        base = session.path.parent if session.path is not None else None
        d = self.result

        def make():
            return Debrief(sc, session.seed, d["decisions"], d["events"], reps=self.reps, base_dir=base, played=sim)

        self.work = DebriefWork(make, workers=workers)
        self.scroll = 0
        self.report: int | None = None  # the report's job id
        self.report_paths: list[str] | None = None
        self.report_error = ""

    @property
    def debrief(self) -> Debrief | None:
        return self.work.debrief

    @property
    def rows(self):
        d = self.debrief
        return d.rows if d is not None and d.finished else None

    def bindings(self) -> list[Binding]:
        return [
            Binding(("down", "page down"), lambda i: self.move(+1), "key.scroll_down", repeat=True),
            Binding(("up", "page up"), lambda i: self.move(-1), "key.scroll_up", repeat=True),
            Binding(("backspace",), lambda i: self.open_rewind(), "key.rewind"),
            Binding(("return", "enter"), lambda i: self.to_menu(), "key.to_menu"),
            Binding(("escape",), lambda i: self.app.quit(), "key.quit"),
        ]

    def open_rewind(self) -> None:
        from crisissim.game.scenes.rewind import RewindScene

        self.app.stack.push(RewindScene(self.app, self.session))

    def move(self, d: int) -> None:
        """Scroll the decisions by ``d`` steps of three lines (the drawing keeps the last screenful full)."""
        self.scroll = max(0, self.scroll + SCROLL_STEP * d)

    def buttons(self) -> tuple[Button, Button]:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        h = f.get(16).get_linesize() + 20
        bw = max(g.x(170), f.get(16).size(w("debrief.menu") + f" [{pretty('return', w.lang)}]")[0] + 30)
        quit_ = Button((g.w - 20 - bw, g.h - 14 - h, bw, h), w("debrief.quit"), pretty("escape", w.lang))
        menu = Button((quit_.rect.x - 16 - bw, g.h - 14 - h, bw, h), w("debrief.menu"), pretty("return", w.lang))
        return menu, quit_

    # ------------------------------------------------------------------ work
    def work_done(self, timeout: float = 600.0) -> bool:
        """Wait for the re-runs (tests and scripts only: the frame loop never waits)."""
        return self.work.wait(timeout)

    def update(self, dt: float) -> None:
        if self.work.finished:
            self._report()
            return
        if self.work.poll():
            self._report()

    def _report(self) -> None:
        from crisissim.game.report import write_report_job

        if self.report is None and self.session.save_path is not None:
            tl = self.session.sim.result().timeline
            series = {k: [float(x) for x in tl[k]] for k in ("time", "loss", "reputation")}
            self.report = self.work.submit_report(write_report_job, report_dir(self.session.save_path), self.result,
                                                  self.debrief, self.app.words.lang, str(self.session.save_path),
                                                  series)
        elif self.report is not None and self.report_paths is None and not self.report_error:
            done = self.work.report(self.report)
            if done is not None:
                ok, value = done
                if ok:
                    self.report_paths = [str(p) for p in value]
                else:
                    self.report_error = str(value)

    def cleanup(self) -> None:
        self.work.close()

    # ---------------------------------------------------------------- input
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

    # ----------------------------------------------------------------- draw
    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        sc = self.sc
        d = self.result
        r = text(surface, f, w("debrief.title", title=w.of(sc.meta.title)), (20, 12), 26, theme.TEXT, width=g.w - 40,
                 bold=True)
        r = text(surface, f, w("debrief.info", id=sc.meta.id, seed=d["seed"], hours=f"{sc.meta.duration / 60:g}"),
                 (20, r.bottom + 2), 14, theme.FAINT, width=g.w - 40)
        cards_h = f.get(15).get_linesize() + f.get(24, True).get_linesize() + 2 * f.get(13).get_linesize() + 36
        cw = (g.w - 40 - 3 * 12) // 4
        for i, (head, value, against, met) in enumerate(verdicts(d, sc, w)):
            inner = panel(surface, f, (20 + i * (cw + 12), r.bottom + 10, cw, cards_h), head)
            size = next((z for z in (24, 20, 17) if f.get(z, True).size(value)[0] <= inner.width), 17)
            text(surface, f, value, inner.topleft, size, theme.TEXT, width=inner.width, bold=True)  # whole, smaller
            y = inner.y + f.get(24, True).get_linesize()
            text(surface, f, against, (inner.x, y), 13, theme.MUTED, width=inner.width)
            if met is not None:
                state_tag(surface, f, "ok" if met else "bad", w("debrief.met") if met else w("debrief.missed"),
                          (inner.x, y + f.get(13).get_linesize() + 2), 14)
        menu, quit_ = self.buttons()
        top = r.bottom + 10 + cards_h + 10
        side_w = max(g.x(380), f.px(14) * 26)
        main_w = g.w - 40 - side_w - 12
        notes = self.footer_lines()
        notes_h = len(notes) * f.get(13).get_linesize()
        foot = min(menu.rect.y, g.h - 10 - notes_h)
        area_h = foot - 10 - top
        self._decisions(surface, pygame.Rect(20, top, main_w, area_h))
        self._side(surface, pygame.Rect(20 + main_w + 12, top, side_w, area_h))
        y = foot
        for line in notes:
            text(surface, f, line, (20, y), 13, theme.FAINT, width=menu.rect.x - 40)
            y += f.get(13).get_linesize()
        menu.draw(surface, f, self.app.mouse)
        quit_.draw(surface, f, self.app.mouse)

    def footer_lines(self) -> list[str]:
        """Where the run and its report went, and how to go back to a decision."""
        w = self.app.words
        lines = []
        if self.session.saved is not None:
            lines.append(w("debrief.saved_to", path=self.session.saved))
        if self.report_paths:
            lines.append(w("debrief.report", path=self.report_paths[0]))
        elif self.report_error:
            lines.append(w("debrief.report_failed", why=self.report_error))
        lines.append(w("debrief.rewind_hint"))
        return lines

    def _progress(self, surface, inner) -> int:
        """The re-runs' progress bar and words; return the y below."""
        f = self.app.fonts
        w = self.app.words
        work = self.work
        if work.error:
            return paragraph(surface, f, w("debrief.failed", why=work.error), (inner.x, inner.y, inner.width, 3 * 20),
                             15, theme.BAD)
        done, total = work.progress()
        d = self.debrief
        if d is None:  # not planned yet
            r = text(surface, f, w("debrief.planning"), inner.topleft, 15, theme.MUTED, width=inner.width)
            return r.bottom + 6
        reps = d.reps
        r = text(surface, f, w("debrief.working", done=done, total=total, n=reps), inner.topleft, 15, theme.MUTED,
                 width=inner.width)
        bar(surface, (inner.x, r.bottom + 4, inner.width, 8), done / total if total else 0.0, theme.ACCENT)
        return r.bottom + 18

    def _decisions(self, surface, area) -> None:
        f = self.app.fonts
        w = self.app.words
        sc = self.sc
        deb = self.debrief
        inner = panel(surface, f, area, w("debrief.decisions"), 16)
        reps = deb.reps if deb is not None else self.reps
        r = text(surface, f, w("debrief.method", n=reps, more=reps - 1), inner.topleft, 13, theme.FAINT,
                 width=inner.width)
        y = r.bottom + 6
        inner = pygame.Rect(inner.x, y, inner.width, inner.bottom - y)
        if deb is None or not deb.finished:
            y = self._progress(surface, inner)
        if deb is None:
            return
        if deb.vs_hands_off is not None:
            state, line = hands_off_line(sc, w, deb.vs_hands_off)
            y = self._tagged(surface, state, line, inner.x, y, inner.width, 15) + 6
        if not deb.rows:
            text(surface, f, w("debrief.no_decisions"), (inner.x, y), 15, theme.MUTED, width=inner.width)
            return
        hint_h = f.get(12).get_linesize()
        body = pygame.Rect(inner.x, y, inner.width, inner.bottom - y - hint_h)
        lines = self.decision_lines(body.width)
        # scroll by whole lines: as many as fit, the last screenful full
        fit, h = 0, 0
        for item in reversed(lines):
            h += item[1]
            if h > body.height:
                break
            fit += 1
        self.scroll = max(0, min(self.scroll, len(lines) - fit))
        y = body.y
        first_row = lines[self.scroll][0] if lines else 0
        for _row, height, x, size, bold, colour, (mark, mark_colour), line in lines[self.scroll:]:
            if y + height > body.bottom:
                break
            if mark:
                text(surface, f, mark, (body.x + x - f.get(size).size(mark + " ")[0], y), size, mark_colour)
            if line:
                text(surface, f, line, (body.x + x, y), size, colour, bold=bold)
            y += height
        if fit < len(lines):  # more than one screenful
            text(surface, f, w("debrief.scroll", i=first_row + 1, n=len(deb.rows)), (inner.right, inner.bottom), 12,
                 theme.FAINT, "bottomright")

    def decision_lines(self, width: int) -> list[tuple]:
        """Every decision's lines wrapped to ``width``: (row, height, x, size, bold, colour, (mark, its
        colour), text).
        The list scrolls by these lines, so every line of every decision can be reached."""
        f = self.app.fonts
        w = self.app.words
        sc = self.sc
        deb = self.debrief
        out: list[tuple] = []
        if deb is None:  # not planned yet
            return out

        def add(row_i, x, size, colour, s, bold=False, mark=("", None), gap=0, max_lines=None):
            font = f.get(size, bold)
            wrapped = f.wrap(s, font, max(1, width - x))[:max_lines]
            for k, line in enumerate(wrapped):
                out.append((row_i, font.get_linesize() + (gap if k == len(wrapped) - 1 else 0), x, size, bold, colour,
                            mark if k == 0 else ("", None), line))

        for i, row in enumerate(deb.rows):
            add(i, 0, 16, theme.TEXT, row_head(sc, w, row), bold=True, gap=2, max_lines=1)
            for alt in row.alternatives:
                eff = row.effects.get(alt)
                if eff is None:
                    add(i, 16, 14, theme.FAINT, w("debrief.pending_without") if alt == WITHOUT else
                        w("debrief.pending_alt", alt=alt_name(sc, w, row, alt)))
                    continue
                state, head, detail = effect_lines(sc, w, row, eff, deb.reps)
                mark = theme.state_mark(state)
                add(i, 16 + f.get(14).size(mark + " ")[0], 14,
                    theme.state_colour(state) if state != "none" else theme.TEXT, head,
                    mark=(mark, theme.state_colour(state)))
                add(i, 34, 13, theme.MUTED, detail)
            if row.debrief:
                add(i, 16, 13, theme.FAINT, w.of(row.debrief))
            if out:
                last = out[-1]
                out[-1] = (last[0], last[1] + 8, *last[2:])
        return out

    def _tagged(self, surface, state: str, line: str, x: int, y: int, width: int, size: float,
                max_lines: int = 3) -> int:
        """A state's mark, then ``line`` wrapped beside it in the state's colour; the y below."""
        f = self.app.fonts
        mark = theme.state_mark(state) + " "
        mw = f.get(size).size(mark)[0]
        colour = theme.state_colour(state) if state != "none" else theme.TEXT
        text(surface, f, mark, (x, y), size, theme.state_colour(state))
        return paragraph(surface, f, line, (x + mw, y, width - mw, max_lines * f.get(size).get_linesize()), size,
                         colour, max_lines=max_lines)

    def _side(self, surface, area) -> None:
        f = self.app.fonts
        w = self.app.words
        sc = self.sc
        deb = self.debrief
        lh = f.get(13).get_linesize()
        lines = grade_lines(sc, w, deb) if deb is not None and (deb.grade is not None or deb.expert_problem) else []
        need = sum(line_count(f, line, area.width - 40, 13) for _, line in lines[1:]) + 1
        grade_h = min(area.height * 3 // 5, need * lh + f.get(24, True).get_linesize() + f.get(16).get_linesize() + 36)
        grade_h = max(grade_h, area.height // 3)
        inner = panel(surface, f, (area.x, area.y, area.width, grade_h), w("grade.title"), 16)
        y = inner.y
        if deb is None or deb.grade is None and not deb.expert_problem:
            text(surface, f, w("debrief.pending"), inner.topleft, 14, theme.FAINT, width=inner.width)
        else:
            clip = surface.get_clip()
            surface.set_clip(inner)
            for k, (state, line) in enumerate(lines):
                room = (inner.bottom - y) // lh  # whole lines only
                if room < 1:
                    break
                if k == 0 and deb.grade is not None and deb.grade.letter and not deb.expert_problem:
                    r = state_tag(surface, f, state, line, (inner.x, y), 24, width=inner.width)
                    y = r.bottom + 2
                    continue
                y = self._tagged(surface, state, line, inner.x, y, inner.width, 13, max_lines=min(3, room)) + 2
            surface.set_clip(clip)
        les_area = pygame.Rect(area.x, area.y + grade_h + 10, area.width, area.height - grade_h - 10)
        inner = panel(surface, f, les_area, w("lesson.title"), 16)
        if not sc.lessons:
            text(surface, f, w("lesson.none"), inner.topleft, 14, theme.MUTED, width=inner.width)
            return
        if deb is None or deb.lessons is None:
            text(surface, f, w("debrief.pending"), inner.topleft, 14, theme.FAINT, width=inner.width)
            return
        clip = surface.get_clip()
        surface.set_clip(inner)
        y = inner.y
        room = inner.height // max(1, len(deb.lessons))
        detail_lines = 2 if room >= 4 * lh + 8 else 1 if room >= 3 * lh + 4 else 0
        mark_w = f.get(13).size(theme.state_mark("ok") + " ")[0]
        for k, check in enumerate(deb.lessons):
            hint = 0 if k == len(deb.lessons) - 1 else 1  # a line kept to say how many more, while more come
            room = (inner.bottom - y) // lh
            state, word, lesson, detail = lesson_lines(sc, w, check)
            line = w("lesson.line", status=word, text=lesson)
            need = min(2, line_count(f, line, inner.width - mark_w, 13))
            if room < need + hint:
                if room >= 1:
                    text(surface, f, w("lesson.more", n=len(deb.lessons) - k), (inner.x, y), 12, theme.FAINT,
                         width=inner.width)
                break
            y = self._tagged(surface, state, line, inner.x, y, inner.width, 13, max_lines=need)
            if detail_lines and (inner.bottom - y) // lh >= detail_lines + hint:
                y = paragraph(surface, f, detail, (inner.x + 18, y, inner.width - 18, detail_lines * lh), 12,
                              theme.MUTED, max_lines=detail_lines)
            y += 4
        surface.set_clip(clip)
