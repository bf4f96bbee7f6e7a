"""The report as one self-contained HTML page (issue 18): inline CSS, charts drawn as inline
SVG, system fonts, no script and nothing fetched (a Content-Security-Policy forbids it); it
prints on A4.

Every figure on the page is an element with ``data-figure`` (where the figure sits in
``report --json``: ``timely_rate``, ``breakdowns.department.0.timely_rate``,
``trend.2.satisfaction_rate``, ...) and ``data-value`` (its JSON value), so a test can check
the page figure by figure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from complaintctl.domain.labels import label as code_label
from complaintctl.domain.messages import Term, labels, text
from complaintctl.domain.timeutil import from_epoch, local
from complaintctl.reports import goals
from complaintctl.reports.figures import (
    OTHER_MILESTONES,
    any_not_judged,
    label,
    value_label,
    with_levels,
)
from complaintctl.reports.monthly import (
    BREAKDOWN_FIELDS,
    TOP_FIELDS,
    TREND_FIELDS,
    Report,
    TrendRow,
)
from complaintctl.sla.targets import RATES

# The headers of a breakdown table's columns (monthly.BREAKDOWN_FIELDS): short, from the
# catalogue (``label.breakdown.*``).
_HEADS = labels("label.breakdown.")
KPIS = ("received", "total", "timely_rate", "followup_rate", "satisfaction_rate", "reopen_rate")
TIMELINESS = ("received", "duplicates", "total", "timely", "late", "overdue", "pending")
FOLLOWUP = (
    "resolved",
    "followed_up",
    "followup_rate",
    "satisfied",
    "unsatisfied",
    "satisfaction_rate",
    "ever_resolved",
    "reopened",
    "reopenings",
    "reopen_rate",
    "extended",
    "extensions",
    "escalated",
    "escalated_manager",
    "escalated_senior",
    "resolve_days_mean",
    "resolve_days_p90",
)
NATURES = tuple(f"nature_{n}" for n in ("valid", "assist", "excessive", "no_fault", "unclassified"))

_WORDS = labels("label.html.")  # messages/zh.py, en.py


def _w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return en if lang == "en" else zh


def _name(key: str, lang: str) -> str:
    """A figure's label without the ``%`` the tables of plain numbers need."""
    return label(key, lang).removesuffix("%").rstrip()


def show(key: str, value: Any) -> str:
    """A figure as the page shows it: rates with %, a mean with one decimal, null as -."""
    if value is None:
        return "-"
    if key.endswith("_rate") or key == "share":
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _data(path: str, value: Any) -> str:
    """The attributes that say which figure of the JSON an element shows."""
    return f'data-figure="{escape(path)}" data-value="{escape(json.dumps(value))}"'


def figure(path: str, key: str, value: Any, tag: str = "td", cls: str = "n") -> str:
    """One figure: its text, where it sits in the JSON and its JSON value."""
    return f'<{tag} class="{cls}" {_data(path, value)}>{escape(show(key, value))}</{tag}>'


def _table(head: Sequence[str], rows: Sequence[str], cls: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _pairs(keys: Sequence[str], data: dict[str, Any], lang: str) -> str:
    rows = [f"<th>{escape(_name(k, lang))}</th>{figure(k, k, data[k])}" for k in keys]
    return _table([_w("figure", lang), _w("value", lang)], rows, "pairs")


def _section(title: str, *parts: str, cls: str = "") -> str:
    return f'<section class="{cls}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'


# -- charts -----------------------------------------------------------------------------------
def bar_chart(
    title: str,
    bars: Sequence[tuple[str, str, float | None]],
    width: int = 680,
    target: tuple[str, float] | None = None,
    marks: Sequence[float | None] = (),
) -> str:
    """Bars of rates (0–100 %): (label, JSON path, value); a bar without a value shows -.
    ``target``: (its label, a percentage) drawn as a dashed line across; ``marks``: each
    bar's own target (a percentage or None), a dashed line over that bar."""
    height, left, top, bottom = 256, 44, 42, 56
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    slot = (width - left - 12) / n
    bar_w = min(56.0, slot * 0.6)
    parts = [_svg_title(title, width)]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 12}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}%</text>'
        )
    for i, (name, path, value) in enumerate(bars):
        x = left + slot * i + (slot - bar_w) / 2
        cx = x + bar_w / 2
        if value is not None:
            h = plot_h * value / 100
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" class="bar"/>'
            )
        y = top + plot_h - (plot_h * value / 100 if value is not None else 0) - 5
        parts.append(
            f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" class="val" '
            f"{_data(path, value)}>{escape(show('timely_rate', value))}</text>"
        )
        mark = marks[i] if i < len(marks) else None
        if mark is not None:
            y = top + plot_h * (1 - mark / 100)
            parts.append(
                f'<line x1="{x - 6:.1f}" y1="{y:.1f}" x2="{x + bar_w + 6:.1f}" y2="{y:.1f}" '
                f'class="target"><title>{mark:.1f}%</title></line>'
            )
        y = top + plot_h + 16
        anchor = f'"end" transform="rotate(-25 {cx:.1f} {y})"' if n > 6 else '"middle"'
        parts.append(
            f'<text x="{cx:.1f}" y="{y}" text-anchor={anchor} class="cat">{escape(name)}</text>'
        )
    if target is not None:
        y = top + plot_h * (1 - target[1] / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 12}" y2="{y:.1f}" class="target"/>'
            f'<text x="{width - 12}" y="{y - 4:.1f}" text-anchor="end" class="target">'
            f"{escape(target[0])} {target[1]:.1f}%</text>"
        )
    return _svg(width, height, title, parts)


def line_chart(
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    width: int = 680,
) -> str:
    """Lines of rates (0–100 %) by month: (name, JSON key, values)."""
    height, left, top, bottom = 260, 44, 34, 64
    plot_h = height - top - bottom
    n = max(len(months), 1)
    slot = (width - left - 12) / n
    parts = [_svg_title(title, width)]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 12}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}%</text>'
        )
    for i, month in enumerate(months):
        cx = left + slot * (i + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="cat">'
            f"{escape(month)}</text>"
        )
    s_values = [values for _, _, values in series]
    for s, (name, key, values) in enumerate(series):
        points = [
            (left + slot * (i + 0.5), top + plot_h * (1 - v / 100), i, v)
            for i, v in enumerate(values)
            if v is not None
        ]
        # a month without a value breaks the line
        run: list[str] = []
        previous = -2
        for x, y, i, _ in points:
            run.append(("L" if i == previous + 1 and run else "M") + f"{x:.1f},{y:.1f}")
            previous = i
        if run:
            parts.append(f'<path d="{" ".join(run)}" class="line s{s}"/>')
        for x, y, i, v in points:
            # the higher value's label above its point, the lower one's below: never overlapping
            others = [o for j, row in enumerate(s_values) if j != s and (o := row[i]) is not None]
            below = any(v < o or (v == o and s > 0) for o in others)
            dy = 16 if below else -8
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot s{s}"/>'
                f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle" class="val s{s}" '
                f"{_data(f'trend.{i}.{key}', v)}>{v:.1f}%</text>"
            )
        ly = height - 14
        lx = left + s * 200
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="14" height="4" class="key s{s}"/>'
            f'<text x="{lx + 20}" y="{ly - 3}" class="cat">{escape(name)}</text>'
        )
    return _svg(width, height, title, parts)


def _svg_title(title: str, width: int) -> str:
    x = f"{width / 2:.0f}"
    return f'<text x="{x}" y="18" text-anchor="middle" class="ctitle">{escape(title)}</text>'


def _svg(width: int, height: int, title: str, parts: list[str]) -> str:
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"{''.join(parts)}</svg></figure>"
    )


# -- the page ---------------------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
  "Droid Sans Fallback", "WenQuanYi Micro Hei", sans-serif; color: #1f2933; margin: 0 auto;
  max-width: 186mm; font-size: 10.5pt; line-height: 1.45; }
header { border-bottom: 2px solid #1f4e79; margin-bottom: 10px; padding-bottom: 6px; }
h1 { font-size: 17pt; margin: 0 0 2px; color: #1f4e79; }
h2 { font-size: 12.5pt; margin: 14px 0 6px; color: #1f4e79; border-left: 4px solid #1f4e79;
  padding-left: 6px; }
.meta { color: #52606d; font-size: 9.5pt; }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 6px; }
.kpi { border: 1px solid #cbd2d9; border-radius: 4px; padding: 6px 8px; }
.kpi .k { font-size: 8.5pt; color: #52606d; }
.kpi .v { font-size: 15pt; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 2px 0 6px; }
th, td { border: 1px solid #cbd2d9; padding: 2px 6px; text-align: left; }
thead th { background: #e4ecf5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.pairs { width: auto; min-width: 50%; }
.cols table.pairs { width: 100%; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; align-items: start; }
figure { margin: 4px 0 8px; }
svg { max-width: 100%; height: auto; }
svg .grid { stroke: #d9e2ec; stroke-width: 1; }
svg .tick, svg .cat { font-size: 11px; fill: #52606d; }
svg .ctitle { font-size: 13px; font-weight: 600; fill: #1f2933; }
svg .val { font-size: 11px; fill: #1f2933; }
svg .bar { fill: #2f6fad; }
svg line.target { stroke: #b71c1c; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg text.target { font-size: 11px; fill: #b71c1c; }
.met { color: #1b5e20; font-weight: 600; } .missed { color: #b71c1c; font-weight: 600; }
.kpi .t { font-size: 8pt; white-space: nowrap; }
.grade { font-size: 11pt; font-weight: 600; margin-top: 4px; }
svg .line { fill: none; stroke-width: 2.5; }
svg .line.s0, svg .key.s0 { stroke: #2f6fad; fill: #2f6fad; }
svg .line.s1, svg .key.s1 { stroke: #c05621; fill: #c05621; }
svg .line { fill: none; }
svg .dot.s0 { fill: #2f6fad; } svg .dot.s1 { fill: #c05621; }
svg .val.s1 { fill: #c05621; }
.note { font-size: 8.5pt; color: #52606d; }
section, figure, table { break-inside: avoid; }
h2 { break-after: avoid; }
@media print { body { max-width: none; } }
"""


def render(report: Report, trend: Sequence[TrendRow], lang: str) -> str:
    """The whole page."""
    data = report.as_dict()
    en = lang == "en"
    moment = local(from_epoch(report.as_of))
    kpis = "".join(
        f'<div class="kpi"><div class="k">{escape(_name(k, lang))}</div>'
        f"{figure(k, k, data[k], 'div', 'v')}{_kpi_target(report.targets, k, lang)}</div>"
        for k in KPIS
    )
    grade = goals.grade_line(report.targets, lang)
    meta = text(
        "html.meta",
        lang,
        period=_w("period", lang),
        first=report.period.first,
        last=report.period.last,
        as_of=_w("as_of", lang),
        moment=moment,
    )
    body = [
        f"<header><h1>{escape(_w('title', lang))} {escape(report.period.label)}</h1>"
        f'<div class="meta">{escape(meta)}'
        "</div>" + (f'<div class="grade">{escape(grade)}</div>' if grade else "") + "</header>",
        _section(_w("kpis", lang), f'<div class="kpis">{kpis}</div>'),
        _targets(report.targets, lang),
        _section(
            _w("timeliness", lang),
            '<div class="cols">',
            _pairs((*TIMELINESS, *_not_judged(data), "timely_rate"), data, lang),
            f'<p class="note">{escape(_w("definition", lang))}</p></div>',
        ),
        _milestones(data, report.targets, lang),
        '<div class="cols">',
        _section(_w("followup", lang), _pairs(with_levels(FOLLOWUP, data), data, lang)),
        _section(_w("nature", lang), _pairs(NATURES, data, lang)),
        "</div>",
    ]
    for dim, key in (("category", "top_categories"), ("location", "top_locations")):
        body.append(_top(dim, key, data[key], lang))
    target = report.targets.target("timely_rate")
    line = None if target is None else (goals.word("target", lang), target.target)
    for dim in report.breakdowns:
        body.append(_breakdown(dim, data["breakdowns"][dim], lang, line))
    if trend:
        body.append(_trend(trend, lang))
    title = f"{_w('title', lang)} {report.period.label}"
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if en else "zh-CN"}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _kpi_target(verdict: goals.Verdict, key: str, lang: str) -> str:
    j = verdict.target(key)
    if j is None:
        return ""
    cls = "" if j.met is None else "met" if j.met else "missed"
    return (
        f'<div class="t">{escape(goals.word("target", lang))} {j.target:.1f}% · '
        f'<span class="{cls}">{escape(goals.result_word(j.met, lang))}</span></div>'
    )


def _targets(verdict: goals.Verdict, lang: str) -> str:
    """Each figure against its target; the grades and which is reached."""
    if not verdict.figures and not verdict.grades:
        return ""
    words = [_w("figure", lang), _w("value", lang), goals.word("target", lang)]
    rows = []
    for i, j in enumerate(verdict.figures):
        cls = "" if j.met is None else "met" if j.met else "missed"
        rows.append(
            f"<th>{escape(_name(j.figure, lang))}</th>"
            + figure(f"targets.figures.{i}.value", j.figure, j.value)
            + figure(f"targets.figures.{i}.target", j.figure, j.target)
            + f'<td class="{cls}">{escape(goals.result_word(j.met, lang))}</td>'
        )
    parts = [_table([*words, goals.word("result", lang)], rows)] if rows else []
    if verdict.grades:
        keys = [k for k in RATES if any(k in g.minimums for g in verdict.grades)]
        grades = [
            f"<th>{escape(g.name)}</th>"
            + "".join(
                figure(f"targets.grades.{i}.min_{k}", k, g.minimums[k])
                if k in g.minimums
                else '<td class="n">-</td>'
                for k in keys
            )
            + f'<td class="{"met" if g.reached else ""}">{"✔" if g.reached else ""}</td>'
            for i, g in enumerate(verdict.grades)
        ]
        head = [goals.word("grade", lang), *(f"{_name(k, lang)} ≥" for k in keys)]
        parts.append(_table([*head, goals.word("reached", lang)], grades))
    return _section(goals.word("targets", lang), *parts)


def _not_judged(data: dict[str, Any]) -> tuple[str, ...]:
    """("not_judged",) when a count is not judged for want of a time (issue 16), else ()."""
    return ("not_judged",) if any_not_judged(data) else ()


def _milestones(data: dict[str, Any], verdict: goals.Verdict, lang: str) -> str:
    extra = _not_judged(data)
    states = ("on_time", "late", "breached", "pending", *extra)
    head = [_w(k, lang) for k in ("milestone", *states, "rate")]
    rows = []
    bars: list[tuple[str, str, float | None]] = []
    for m in OTHER_MILESTONES:
        keys = [f"{m}_{s}" for s in ("met", "late", "breached", "pending", *extra)]
        keys.append(f"{m}_rate")
        name = _milestone(m, lang)
        rows.append(f"<th>{escape(name)}</th>" + "".join(figure(k, k, data[k]) for k in keys))
        bars.append((name, f"{m}_rate", data[f"{m}_rate"]))
    keys = ["timely", "late", "overdue", "pending", *extra, "timely_rate"]
    name = _milestone("resolve", lang)
    rows.append(f"<th>{escape(name)}</th>" + "".join(figure(k, k, data[k]) for k in keys))
    bars.append((name, "timely_rate", data["timely_rate"]))
    marks = [j.target if (j := verdict.target(path)) else None for _, path, _ in bars]
    return _section(
        _w("milestones", lang),
        _table(head, rows),
        bar_chart(_w("chart_milestones", lang), bars, marks=marks),
    )


def _milestone(m: str, lang: str) -> str:
    name = code_label("milestone", m, lang)
    return name[:1].upper() + name[1:]  # Respond; 首次联系 as it is


def _top(dim: str, key: str, entries: list[dict[str, Any]], lang: str) -> str:
    title = _w(f"top_{dim}", lang)
    if not entries:
        return _section(title, f"<p>{escape(_w('none', lang))}</p>")
    head = ["#", label(dim, lang), *(_name(k, lang) for k in TOP_FIELDS)]
    rows = [
        f"<td>{i + 1}</td><th>{escape(e['value'])}</th>"
        + "".join(figure(f"{key}.{i}.{k}", k, e[k]) for k in TOP_FIELDS)
        for i, e in enumerate(entries)
    ]
    return _section(title, _table(head, rows))


def _breakdown(
    dim: str, items: list[dict[str, Any]], lang: str, target: tuple[str, float] | None
) -> str:
    en = lang == "en"
    title = text("report.screen.by", lang, dim=Term(label(dim, "en").lower(), label(dim, "zh")))
    if not items:
        return _section(title, f"<p>{escape(_w('none', lang))}</p>")
    head = [label(dim, lang), *(_HEADS[k][1 if en else 0] for k in BREAKDOWN_FIELDS)]
    rows = [
        f"<th>{escape(value_label(dim, item['value'], lang))}</th>"
        + "".join(figure(f"breakdowns.{dim}.{i}.{k}", k, item[k]) for k in BREAKDOWN_FIELDS)
        for i, item in enumerate(items)
    ]
    parts = [_table(head, rows)]
    if dim == "department":
        bars = [
            (
                value_label(dim, item["value"], lang),
                f"breakdowns.{dim}.{i}.timely_rate",
                item["timely_rate"],
            )
            for i, item in enumerate(items)
        ]
        parts.append(bar_chart(_w("chart_department", lang), bars, target=target))
    return _section(title, *parts)


TREND_KEYS = TREND_FIELDS[1:]  # every figure of a month, after the month itself


def _trend(trend: Sequence[TrendRow], lang: str) -> str:
    rows_data = [r.as_dict() for r in trend]
    head = [label("month", lang), *(_name(k, lang) for k in TREND_KEYS)]
    rows = [
        f"<th>{escape(r['month'])}</th>"
        + "".join(figure(f"trend.{i}.{k}", k, r[k]) for k in TREND_KEYS)
        for i, r in enumerate(rows_data)
    ]
    chart = line_chart(
        _w("chart_trend", lang),
        [r["month"] for r in rows_data],
        [
            (_name(k, lang), k, [r[k] for r in rows_data])
            for k in ("timely_rate", "satisfaction_rate")
        ],
    )
    return _section(_w("trend", lang), _table(head, rows), chart)
