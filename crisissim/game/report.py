"""The after-action report a trainer hands out: ``report.html`` (self-contained: the charts are
embedded) and ``report.md`` (with ``loss.png`` and ``reputation.png`` beside it).

It holds the run's scores against the scenario's targets, the grade against the expert, the
loss and reputation over the day, the timeline of injects, cards, decisions, actions and a
facilitator's moves, every decision's effect over the debrief's days with its 95% interval,
and the lessons met or missed, in English or Chinese (the game's catalogue). Every scenario
text is escaped: a scenario is data and never becomes markup. Files are written atomically
inside the output folder only. Charts with matplotlib (Agg), imported here only.
"""

from __future__ import annotations

import base64
import html
import io
import time
from pathlib import Path

from crisissim.fileio import write_atomic
from crisissim.game.fmt import TimeOfDay, money
from crisissim.game.i18n import Words
from crisissim.game.telling import effect_lines, grade_lines, hands_off_line, lesson_lines, row_head, verdicts
from crisissim.game.words import entry_text, who

SHOWN_EVENTS = ("inject", "card_shown", "decision", "action", "message", "mark", "exposure_open")
MARKS = {"ok": "✓", "warn": "▲", "bad": "✖", "none": "·"}
COLOURS = {"ok": "#117a65", "warn": "#9a6700", "bad": "#b03a2e", "none": "#333333"}


# ------------------------------------------------------------------ content
def timeline(sc, w, result: dict) -> list[tuple[str, str, str, str]]:
    """(time of day, what happened, loss then, reputation then) for the events worth a line."""
    clock = TimeOfDay(sc.meta.start)
    cur = sc.meta.currency
    cards = {c.id: c for c in sc.decisions}
    fired = {(round(d["t"], 6), d["inject"]) for d in result.get("decisions", []) if "inject" in d}
    out = []
    for e in result["events"]:
        k = e["kind"]
        if k not in SHOWN_EVENTS:
            continue
        if k == "inject" and (round(e["t"], 6), e["id"]) in fired:  # the facilitator's, said as such
            fired.discard((round(e["t"], 6), e["id"]))
            what = entry_text(sc, w, {"inject": e["id"]})
        elif k == "inject":
            what = w("report.ev_inject", title=w.of(e.get("title") or e["id"]))
        elif k == "card_shown":
            c = cards.get(e["id"])
            what = w("report.ev_card", title=w.of(c.title if c else e["id"]))
        elif k == "decision":
            what = entry_text(sc, w, {"card": e["card"], "option": e["option"]}) + f" ({who(w, e['by'])})"
        elif k == "action":
            what = entry_text(sc, w, {"action": e["id"]}) + f" ({who(w, e['by'])})"
        elif k == "message":
            what = entry_text(sc, w, {"message": e["text"], "tone": e.get("tone")})
        elif k == "mark":
            what = entry_text(sc, w, {"mark": e["mark"], "text": e.get("text", "")})
        else:
            what = w("report.ev_exposure", what=e.get("exposure") or e.get("id") or "")
        out.append((clock(e["t"]), what, money(e["loss"], cur), f"{e['reputation']:.1f}"))
    return out


# ------------------------------------------------------------------- charts
def _setup_matplotlib():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from crisissim.game.fonts import font_path

    p = font_path()
    if p is not None:
        try:
            font_manager.fontManager.addfont(str(p))
            name = font_manager.FontProperties(fname=str(p)).get_name()
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
        except (OSError, RuntimeError, ValueError):
            pass
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def charts(sc, w, series: dict, decisions: list[dict]) -> dict[str, bytes]:
    """``loss.png`` and ``reputation.png`` as PNG bytes: each over the day's clock, with the
    budget or the floor and baseline, and a dotted line at each of the trainee's decisions."""
    plt = _setup_matplotlib()
    clock = TimeOfDay(sc.meta.start)
    t = list(series["time"])
    ticks = clock.hour_ticks(0.0, sc.meta.duration, 10)
    marks = [d["t"] for d in decisions if d.get("by") == "trainee"]
    moves = [d["t"] for d in decisions if d.get("by") == "facilitator"]  # drawn apart, with a legend entry
    out = {}
    specs = [
        ("loss.png", w("report.chart_loss", currency=sc.meta.currency), list(series["loss"]), "#0072B2",
         [(sc.scoring.loss_budget, "#D55E00", w("report.budget_line"))] if sc.scoring.loss_budget else []),
        ("reputation.png", w("report.chart_reputation"), list(series["reputation"]), "#CC79A7",
         [(sc.scoring.reputation_floor, "#D55E00", w("report.floor_line")),
          (sc.reputation.base, "#009E73", w("report.base_line"))]),
    ]
    for name, title, values, colour, guides in specs:
        fig, ax = plt.subplots(figsize=(8, 3.2))
        ax.plot(t, values, color=colour, linewidth=2)
        for value, gc, label in guides:
            ax.axhline(value, color=gc, linestyle="--", linewidth=1.2, label=label)
        for x in marks:
            ax.axvline(x, color="#777777", linestyle=":", linewidth=0.9)
        for k, x in enumerate(moves):
            ax.axvline(x, color="#E69F00", linestyle="-.", linewidth=0.9,
                       label=w("report.facilitator_line") if k == 0 else None)
        ax.set_xticks([x for x, _ in ticks], [lab for _, lab in ticks])
        ax.set_xlim(0, sc.meta.duration)
        ax.set_title(title, loc="left", fontsize=11)
        if name == "loss.png":
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
        else:
            ax.set_ylim(0, 100)
        if guides or moves:
            ax.legend(loc="best", fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
        plt.close(fig)
        out[name] = buf.getvalue()
    return out


# ------------------------------------------------------------------- writing
def _md(s: str) -> str:
    """Text safe in Markdown: no markup, no table breaks."""
    return html.escape(str(s), quote=False).replace("|", "\\|").replace("\n", " ").replace("*", "\\*").replace(
        "_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")


def _h(s: str) -> str:
    return html.escape(str(s), quote=True)


class _Doc:
    """The same report built as Markdown and HTML side by side."""

    def __init__(self):
        self.md: list[str] = []
        self.html: list[str] = []

    def heading(self, level: int, s: str) -> None:
        self.md += [f"{'#' * level} {_md(s)}", ""]
        self.html.append(f"<h{level}>{_h(s)}</h{level}>")

    def para(self, s: str, state: str | None = None, small: bool = False) -> None:
        mark = f"{MARKS[state]} " if state else ""
        self.md += [f"{mark}{_md(s)}", ""]
        style = f' style="color:{COLOURS[state]}"' if state else ""
        cls = ' class="small"' if small else ""
        self.html.append(f"<p{cls}{style}>{_h(mark)}{_h(s)}</p>")

    def items(self, rows: list[tuple[str | None, str, str]]) -> None:
        """A list of (state, line, detail)."""
        for state, line, detail in rows:
            mark = f"{MARKS[state]} " if state and state != "none" else ""  # the list's bullet is the "none" mark
            self.md.append(f"- {mark}{_md(line)}" + (f"  \n  {_md(detail)}" if detail else ""))
        self.md.append("")
        self.html.append("<ul>")
        for state, line, detail in rows:
            style = f' style="color:{COLOURS[state]}"' if state else ""
            mark = f"{MARKS[state]} " if state and state != "none" else ""
            det = f'<br><span class="small">{_h(detail)}</span>' if detail else ""
            self.html.append(f"<li><span{style}>{_h(mark)}{_h(line)}</span>{det}</li>")
        self.html.append("</ul>")

    def table(self, head: list[str], rows: list[tuple]) -> None:
        self.md.append("| " + " | ".join(_md(h) for h in head) + " |")
        self.md.append("|" + "---|" * len(head))
        for r in rows:
            self.md.append("| " + " | ".join(_md(c) for c in r) + " |")
        self.md.append("")
        self.html.append("<table><thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in head) + "</tr></thead><tbody>")
        for r in rows:
            self.html.append("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in r) + "</tr>")
        self.html.append("</tbody></table>")

    def image(self, name: str, data: bytes, alt: str) -> None:
        self.md += [f"![{_md(alt)}]({name})", ""]
        b64 = base64.b64encode(data).decode("ascii")
        self.html.append(f'<p><img src="data:image/png;base64,{b64}" alt="{_h(alt)}" width="800"></p>')


CSS = """body{font-family:-apple-system,'Segoe UI','Noto Sans','Microsoft YaHei','PingFang SC',sans-serif;
max-width:860px;margin:2em auto;padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f0f2f5}.small{font-size:.88em;color:#444}
li{margin:.35em 0}img{max-width:100%}"""


def build(sc, lang: str, result: dict, debrief, series: dict, save_path: str | None, images: dict[str, bytes]) -> _Doc:
    """The report's content in ``lang``."""
    w = Words(lang)
    cur = sc.meta.currency
    doc = _Doc()
    doc.heading(1, w("report.title", title=w.of(sc.meta.title)))
    doc.para(w("report.info", id=sc.meta.id, seed=result["seed"], hours=f"{sc.meta.duration / 60:g}",
               date=time.strftime("%Y-%m-%d")), small=True)
    if save_path:
        doc.para(w("report.replay", path=save_path), small=True)
    doc.heading(2, w("report.scores"))
    doc.table([w("report.col_score"), w("report.col_value"), w("report.col_against"), ""],
              [(a, b, c, "" if met is None else f"{MARKS['ok']} {w('debrief.met')}" if met else
                f"{MARKS['bad']} {w('debrief.missed')}") for a, b, c, met in verdicts(result, sc, w)])
    if debrief is not None:
        doc.heading(2, w("grade.title"))
        for state, line in grade_lines(sc, w, debrief):
            doc.para(line, state)
        if debrief.vs_hands_off is not None:
            state, line = hands_off_line(sc, w, debrief.vs_hands_off)
            doc.para(line, state)
    doc.heading(2, w("report.charts"))
    doc.image("loss.png", images["loss.png"], w("report.chart_loss", currency=cur))
    doc.image("reputation.png", images["reputation.png"], w("report.chart_reputation"))
    doc.heading(2, w("report.timeline"))
    doc.table([w("report.col_time"), w("report.col_what"), w("report.col_loss"), w("report.col_reputation")],
              timeline(sc, w, result))
    if debrief is not None:
        doc.heading(2, w("debrief.decisions"))
        doc.para(w("report.method", n=debrief.reps, more=debrief.reps - 1), small=True)
        if not debrief.rows:
            doc.para(w("debrief.no_decisions"))
        for row in debrief.rows:
            doc.heading(3, row_head(sc, w, row))
            items: list[tuple[str | None, str, str]] = []
            for alt in row.alternatives:
                eff = row.effects.get(alt)
                if eff is not None:
                    state, head, detail = effect_lines(sc, w, row, eff, debrief.reps)
                    items.append((state, head, detail))
            doc.items(items)
            if row.debrief:
                doc.para(w.of(row.debrief), small=True)
        doc.heading(2, w("lesson.title"))
        if not sc.lessons:
            doc.para(w("lesson.none"))
        elif debrief.lessons is not None:
            rows: list[tuple[str | None, str, str]] = []
            for check in debrief.lessons:
                state, word, lesson, detail = lesson_lines(sc, w, check)
                rows.append((state, w("lesson.line", status=word, text=lesson), detail))
            doc.items(rows)
    doc.para(w("report.footer"), small=True)
    return doc


def write_report(out_dir, sc, result: dict, debrief, lang: str = "en", save_path: str | None = None,
                 series: dict | None = None) -> list[Path]:
    """Write ``report.html``, ``report.md``, ``loss.png`` and ``reputation.png`` into ``out_dir``
    (created if need be); return their paths, the HTML first. ``series``: the run's sampled
    ``time``, ``loss`` and ``reputation`` (default: replayed from ``result``'s decisions)."""
    out = Path(out_dir)
    if series is None:
        series = replayed_series(sc, result)
    images = charts(sc, Words(lang), series, result["decisions"])
    doc = build(sc, lang, result, debrief, series, save_path, images)
    paths = []
    for name, data in images.items():
        paths.append(write_atomic(out / name, data))
    title = _h(Words(lang)("report.title", title=Words(lang).of(sc.meta.title)))
    page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{CSS}</style></head><body>\n" + "\n".join(doc.html) + "\n</body></html>\n")
    html_path = write_atomic(out / "report.html", page)
    md_path = write_atomic(out / "report.md", "\n".join(doc.md).rstrip() + "\n")
    return [html_path, md_path] + paths


def write_report_job(sc, out_dir, result: dict, debrief, lang: str, save_path: str | None, series: dict | None):
    """:func:`write_report` with the scenario first: a job for the debrief's worker processes."""
    return write_report(out_dir, sc, result, debrief, lang, save_path, series)


def replayed_series(sc, result: dict) -> dict:
    """The sampled time series of a run, by replaying its decisions on its seed."""
    from crisissim.engine import Simulation

    res = Simulation(sc, result["seed"], replay=result["decisions"]).result()
    tl = res.timeline
    return {"time": list(map(float, tl["time"])), "loss": list(map(float, tl["loss"])),
            "reputation": list(map(float, tl["reputation"]))}
