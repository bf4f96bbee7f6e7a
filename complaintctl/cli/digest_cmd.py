"""``digest``, ``escalate`` and ``link``: the cron watch (issue 5).  See docs/digest.md."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from complaintctl.cli.context import AT_OPTION, BY_OPTION, JSON_OPTION, actor, state
from complaintctl.errors import InvalidInput
from complaintctl.outfile import check_output, write_text
from complaintctl.vocab import MILESTONES, SEVERITY

if TYPE_CHECKING:
    from complaintctl.calendar import WorkCalendar
    from complaintctl.digest import Digest, Entry
    from complaintctl.escalation import Action
    from complaintctl.ledger import Ledger

FORMATS = ("text", "markdown", "json")
UNASSIGNED = {"zh": "未派单", "en": "unassigned"}
_UNASSIGNED_INPUT = ("未派单", "unassigned", "none")
_COLOUR = {"breached": "\x1b[1;31m", "due_soon": "\x1b[33m"}
_WORDS = {
    "zh": {
        "breached": "超时",
        "due_soon": "即将到期",
        "title": "投诉督办 截至",
        "none": "-",
        "unclassified": "未分类",
        "provisional": "* 该时限依赖尚未公布的节假日安排（暂定）。",
    },
    "en": {
        "breached": "breached",
        "due_soon": "due soon",
        "title": "Complaint digest as of",
        "none": "-",
        "unclassified": "unclassified",
        "provisional": "* provisional: depends on a year whose holiday notice is not yet "
        "published.",
    },
}
_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " "})  # one row per line, whatever was typed
_COLUMNS = ("handler", "id", "unit", "phone", "severity", "milestone", "due", "left")


# -- digest ---------------------------------------------------------------------------------
def digest(
    ctx: typer.Context,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge deadlines at this time (default now)."
    ),
    due_within: str | None = typer.Option(
        None, "--due-within", help="Also list milestones due within this span, e.g. 4h or 1wd."
    ),
    fmt: str = typer.Option("text", "--format", help="text (default), markdown or json."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    output: Path | None = typer.Option(
        None, "--output", help="Write to this file (atomically) instead of stdout."
    ),
    department: str | None = typer.Option(
        None, "--department", help="Only this department (未派单/unassigned: not yet assigned)."
    ),
    fail_on_breach: bool = typer.Option(
        False, "--fail-on-breach", help="Exit 3 when anything is breached (after printing)."
    ),
) -> None:
    """Everything open that is breached or due soon, by department and handler, for cron.

    Prints nothing and exits 0 when nothing is at risk, so cron mails nothing."""
    from complaintctl.deadlines import parse_duration
    from complaintctl.digest import collect, horizon
    from complaintctl.timeutil import now, parse_time, to_epoch

    fmt = "json" if as_json else fmt.strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput("--format", f"unknown format {fmt!r}", accepted=FORMATS)
    moment = to_epoch(parse_time(as_of, "--as-of")) if as_of else to_epoch(now())
    within = parse_duration(due_within, "--due-within") if due_within else None
    st = state(ctx)
    ledger = st.ledger()
    if output is not None:
        check_output(output, ledger.path)
    name, unassigned = _department(ledger, department)
    until = horizon(ledger, moment, within) if within is not None else None
    result = collect(ledger, moment, until=until, department=name, unassigned=unassigned)
    if result:
        cal = ledger.calendar()
        if fmt == "json":
            text = dump_json(digest_json(result))
        elif fmt == "markdown":
            text = markdown(result, cal, st.lang)
        else:
            colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            text = plain(result, cal, st.lang, colour=colour)
        if output is not None:
            write_text(output, text)
        else:
            sys.stdout.write(text)
    if fail_on_breach and result.breached:
        raise typer.Exit(3)


def _department(ledger: Ledger, value: str | None) -> tuple[str | None, bool]:
    from complaintctl.workflow import department

    if value is None:
        return None, False
    if value.strip().lower() in _UNASSIGNED_INPUT:
        return None, True
    return department(ledger.policy(), value), False


# -- formats --------------------------------------------------------------------------------
def _summary(breached: int, due_soon: int, lang: str) -> str:
    w = _WORDS[lang]
    return f"{breached} {w['breached']}, {due_soon} {w['due_soon']}"


def _dept(name: str | None, lang: str) -> str:
    return name if name is not None else UNASSIGNED[lang]


class _Texts:
    """Labels looked up once, deadline texts cached per deadline (a big digest repeats the
    same few thousand deadlines)."""

    def __init__(self, cal: WorkCalendar, lang: str) -> None:
        from complaintctl.cli import render

        self.cal = cal
        self.lang = lang
        words = _WORDS[lang]
        self.none = words["none"]
        self.severity: dict[str | None, str] = {
            s: render.label("severity", s, lang) for s in SEVERITY.codes
        }
        self.severity[None] = words["unclassified"]
        self.milestone = {m: render.label("milestone", m, lang) for m in MILESTONES}
        self._due: dict[int, str] = {}
        self._left: dict[int, str] = {}

    def due(self, e: Entry) -> str:
        text = self._due.get(e.due)
        if text is None:
            from complaintctl.timeutil import from_epoch, local_due

            text = self._due[e.due] = local_due(from_epoch(e.due))
        return text + "*" if e.provisional else text

    def left(self, e: Entry) -> str:
        text = self._left.get(e.due)
        if text is None:
            from complaintctl.display import remaining

            text = self._left[e.due] = remaining(e.due, e.as_of, self.cal, self.lang)
        return text

    def cells(self, e: Entry) -> list[str]:
        return [
            e.handler or self.none,
            f"#{e.id}",
            e.unit,
            e.phone,
            self.severity[e.severity],
            self.milestone[e.milestone],
            self.due(e),
            self.left(e),
        ]


def _header(d: Digest, lang: str) -> str:
    from complaintctl.timeutil import from_epoch, local

    return f"{_WORDS[lang]['title']} {local(from_epoch(d.as_of))}: " + _summary(
        d.breached, d.due_soon, lang
    )


def plain(d: Digest, cal: WorkCalendar, lang: str, *, colour: bool = False) -> str:
    """Text for a terminal or a mail: a summary line per department, then its rows in
    aligned columns (handler shown once per group); colour only when asked.

    Built column by column, each distinct value padded once: a digest of a large backlog has
    a hundred thousand rows but few distinct handlers, labels and deadlines."""
    from rich.cells import cell_len

    from complaintctl.cli import render

    def width(text: str) -> int:
        return len(text) if text.isascii() else cell_len(text)

    texts = _Texts(cal, lang)
    heads = [render.h(k, lang) for k in _COLUMNS]
    lines = [_header(d, lang)]
    for group in d.departments:
        entries = [e for hg in group.handlers for e in hg.entries]
        handlers: list[str] = []
        for hg in group.handlers:
            handlers += [hg.handler or texts.none, *([""] * (len(hg.entries) - 1))]
        columns = [
            handlers,
            [f"#{e.id}" for e in entries],
            [e.unit for e in entries],
            [e.phone for e in entries],
            [texts.severity[e.severity] for e in entries],
            [texts.milestone[e.milestone] for e in entries],
            [texts.due(e) for e in entries],
        ]
        lefts = [texts.left(e) for e in entries]
        if colour:
            lefts = [f"{_COLOUR[e.state]}{t}\x1b[0m" for e, t in zip(entries, lefts, strict=True)]
        pads = []
        for head, values in zip(heads, columns, strict=False):
            distinct = {head, *values}
            size = max(map(width, distinct))
            pads.append({v: v.translate(_FLAT) + " " * (size - width(v)) for v in distinct})
        lines += [
            "",
            f"{_dept(group.department, lang)}: {_summary(group.breached, group.due_soon, lang)}",
        ]
        lines.append(
            "  " + "  ".join([*(pad[h] for pad, h in zip(pads, heads, strict=False)), heads[-1]])
        )
        p0, p1, p2, p3, p4, p5, p6 = pads
        lines += [
            f"  {p0[a]}  {p1[b]}  {p2[c]}  {p3[e]}  {p4[f]}  {p5[g]}  {p6[h]}  {t}"
            for a, b, c, e, f, g, h, t in zip(*columns, lefts, strict=True)
        ]
    if any(e.provisional for e in d.entries):
        lines += ["", _WORDS[lang]["provisional"]]
    return "\n".join(lines) + "\n"


def markdown(d: Digest, cal: WorkCalendar, lang: str) -> str:
    """The same as Markdown: a heading per department and a table of its rows."""
    from complaintctl.cli import render
    from complaintctl.timeutil import from_epoch, local

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.translate(_FLAT).replace("|", r"\|") for c in cells) + " |"

    cells_of = _Texts(cal, lang).cells
    lines = [
        f"# {_WORDS[lang]['title']} {local(from_epoch(d.as_of))}",
        "",
        _summary(d.breached, d.due_soon, lang),
    ]
    for group in d.departments:
        lines += [
            "",
            f"## {_dept(group.department, lang)}: {_summary(group.breached, group.due_soon, lang)}",
            "",
            row([render.h(k, lang) for k in _COLUMNS]),
            row(["---"] * len(_COLUMNS)),
        ]
        lines += [row(cells_of(e)) for hg in group.handlers for e in hg.entries]
    if any(e.provisional for e in d.entries):
        lines += ["", _WORDS[lang]["provisional"]]
    return "\n".join(lines) + "\n"


def entry_json(e: Entry) -> dict[str, Any]:
    from complaintctl.timeutil import from_epoch, iso

    return {
        "id": e.id,
        "milestone": e.milestone,
        "state": e.state,
        "due_at": iso(from_epoch(e.due)),
        "provisional": e.provisional,
        "overdue_seconds": e.overdue_seconds,
        "department": e.department,
        "handler": e.handler,
        "severity": e.severity,
        "unit": e.unit,
        "name": e.name,
        "phone": e.phone,
    }


def digest_json(d: Digest) -> dict[str, Any]:
    from complaintctl.timeutil import from_epoch, iso

    return {
        "as_of": iso(from_epoch(d.as_of)),
        "summary": {"breached": d.breached, "due_soon": d.due_soon},
        "departments": [
            {"department": g.department, "breached": g.breached, "due_soon": g.due_soon}
            for g in d.departments
        ],
        "breached": [entry_json(e) for e in d.state("breached")],
        "due_soon": [entry_json(e) for e in d.state("due_soon")],
    }


def dump_json(value: dict[str, Any]) -> str:
    """Indented at the top, one line per list item: readable, diffable, and fast (the C
    encoder only runs without ``indent``)."""

    def one(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    parts = []
    for key, v in value.items():
        if isinstance(v, list) and v:
            body = ",\n".join(f"    {one(item)}" for item in v)
            parts.append(f"  {one(key)}: [\n{body}\n  ]")
        else:
            parts.append(f"  {one(key)}: {one(v)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


# -- escalate -------------------------------------------------------------------------------
def escalate(
    ctx: typer.Context,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge the rules at this time (default now)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be recorded; write nothing."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply the escalation rules of the policy (seed 004), recorded as events by ``system``.

    Prints nothing when no rule fires (with --json: an empty list)."""
    from complaintctl import escalation
    from complaintctl.timeutil import from_epoch, iso, not_future, now, parse_time, to_epoch

    reference = now()
    moment = parse_time(as_of, "--as-of") if as_of else reference
    if not dry_run:
        moment = not_future(moment, reference, "--as-of")
    st = state(ctx)
    actions = escalation.run(st.ledger(), to_epoch(moment), dry_run=dry_run)
    if as_json:
        from complaintctl.cli import render

        render.print_json(
            {
                "as_of": iso(from_epoch(to_epoch(moment))),
                "dry_run": dry_run,
                "escalations": [a.to_json() for a in actions],
            }
        )
        return
    if not actions:
        return
    lang = st.lang
    if dry_run:
        typer.echo("演练（--dry-run），未写入：" if lang == "zh" else "dry run, nothing written:")
    for a in actions:
        typer.echo(_action_line(a, lang))


def _action_line(a: Action, lang: str) -> str:
    from complaintctl.cli import render
    from complaintctl.escalation import LEVEL_LABELS

    effects = []
    if "severity" in a.data:
        before = render.label("severity", a.before.severity, lang)
        after = render.label("severity", a.data["severity"], lang)
        effects.append(f"级别 {before}→{after}" if lang == "zh" else f"severity {before}→{after}")
    if a.after.escalation_level != a.before.escalation_level:
        level = a.after.escalation_level or ""
        effects.append(f"升级至{LEVEL_LABELS[level]}" if lang == "zh" else f"level → {level}")
    if "collective_of" in a.data:
        cid = a.data["collective_of"]
        effects.append(f"集体投诉 #{cid}" if lang == "zh" else f"collective #{cid}")
    sep, end = ("，", "；") if lang == "zh" else (", ", "; ")
    head = f"#{a.complaint_id} {a.reason_code}: "
    return head + (sep.join(effects) + end if effects else "") + str(a.data["reason"])


# -- link -----------------------------------------------------------------------------------
def link(
    ctx: typer.Context,
    main_id: int = typer.Argument(..., help="The main complaint.", min=1, metavar="ID"),
    other_id: int = typer.Argument(..., help="Its duplicate.", min=1, metavar="OTHER"),
    at: str | None = AT_OPTION,
    by: str | None = BY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark OTHER as a duplicate of ID (重复投诉并单): it follows ID from now on."""
    from complaintctl import linking

    who = actor(at, by)
    st = state(ctx)
    ledger = st.ledger()
    c = linking.link(ledger, who, main_id, other_id)
    if as_json:
        from complaintctl.cli import render
        from complaintctl.display import complaint_json
        from complaintctl.timeutil import now, to_epoch

        personal = ledger.personal(c.id)
        render.print_json(complaint_json(ledger, c, to_epoch(now()), personal=personal))
        return
    if st.lang == "en":
        typer.echo(f"#{c.id} linked as a duplicate of #{main_id}")
    else:
        typer.echo(f"#{c.id} 已作为重复投诉并入 #{main_id}")


def register(app: typer.Typer) -> None:
    """Add ``digest``, ``escalate`` and ``link`` to ``app``."""
    app.command("digest")(digest)
    app.command("escalate")(escalate)
    app.command("link")(link)
