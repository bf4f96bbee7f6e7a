"""The digest as text for people, Markdown for mail and JSON for machines.

Each format is a generator of text chunks, so a digest of 150,000 lines is never held whole in
memory; the CLI streams the chunks to stdout or into an atomically replaced file.  Knows
nothing of Typer.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator
from datetime import date
from json.encoder import encode_basestring  # = json.dumps(str, ensure_ascii=False), in C
from typing import TYPE_CHECKING, Any

from complaintctl.domain import labels
from complaintctl.domain.messages import LANGS, text
from complaintctl.domain.messages import labels as catalogue_labels
from complaintctl.domain.privacy import mask_name, mask_phone, mask_phones_in
from complaintctl.domain.sites import STRIDE, ref, site_of
from complaintctl.domain.timeutil import OFFSET, from_epoch, iso, local
from complaintctl.domain.vocab import MILESTONES, SEVERITIES
from complaintctl.reports.display import remaining

if TYPE_CHECKING:
    from complaintctl.reports.digest import Found, Section
    from complaintctl.time.calendar import WorkCalendar

_COLOUR = {"breached": "\x1b[1;31m", "due_soon": "\x1b[33m"}
# The digest's words per language, from the catalogue (``label.digest.*``).
_WORDS = {
    lang: {k: v[i] for k, v in catalogue_labels("label.digest.").items()}
    for i, lang in enumerate(LANGS)
}
UNASSIGNED = {lang: words["unassigned"] for lang, words in _WORDS.items()}
_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " "})  # one row per line, whatever was typed
_COLUMNS = (
    "handler", "id", "unit", "phone", "severity", "category", "gist", "milestone", "due", "left",
)  # fmt: skip


# -- formats --------------------------------------------------------------------------------
# Each format is a generator of text chunks: the header (the totals are known once the query
# has been read), then the lines a few thousand at a time, so a digest of 150,000 lines is
# never held whole in memory.

_DAY = 86400
_EPOCH = date(1970, 1, 1).toordinal()
_TWO_DAYS = 2 * _DAY  # display.remaining counts hours and minutes below this, then working days
_BATCH = 4096  # lines per chunk written


def _summary(breached: int, due_soon: int, lang: str) -> str:
    w = _WORDS[lang]
    return f"{breached} {w['breached']}, {due_soon} {w['due_soon']}"


def _dept(name: str | None, lang: str) -> str:
    return name if name is not None else UNASSIGNED[lang]


def _title(found: Found, lang: str) -> str:
    return f"{_WORDS[lang]['title']} {local(from_epoch(found.as_of))}"


class _Days(dict[int, str]):
    """``YYYY-MM-DD`` of each local day ``n`` (days since 1970-01-01), made on first use."""

    def __missing__(self, n: int) -> str:
        text = self[n] = date.fromordinal(_EPOCH + n).isoformat()
        return text


class _Clock:
    """Deadlines as text without a ``datetime`` per deadline: ``due(t)`` is
    ``timeutil.local_due(from_epoch(t))`` and ``iso(t)`` is ``timeutil.iso(from_epoch(t))``
    (tests/test_digest.py compares them).  The loops below inline ``due`` and ``iso``."""

    def __init__(self) -> None:
        self.days = _Days()
        self.minutes = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
        self.seconds = [f":{s:02d}+08:00" for s in range(60)]  # and the offset, for iso()

    def due(self, moment: int) -> str:
        n, s = divmod(moment + OFFSET, _DAY)
        if s == 0:  # midnight is the end of the day before
            return self.days[n - 1] + " 24:00"
        return f"{self.days[n]} {self.minutes[s // 60]}"

    def iso(self, moment: int) -> str:
        n, s = divmod(moment + OFFSET, _DAY)
        return f"{self.days[n]}T{self.minutes[s // 60]}{self.seconds[s % 60]}"


class Texts(_Clock):
    """Labels looked up once, and how late or how close each deadline is: the same as
    ``display.remaining``, cached per day where it counts working days (they depend on the
    two dates only)."""

    def __init__(self, cal: WorkCalendar, lang: str, found: Found) -> None:
        super().__init__()
        self.cal = cal
        self.lang = lang
        self.as_of = found.as_of
        self.qualified = found.qualified  # YG-123 on a ledger of several sites (issue 21)
        self._remaining = remaining
        words = _WORDS[lang]
        self.none = words["none"]
        self.severity: dict[str | None, str] = {
            s: labels.label("severity", s, lang) for s in SEVERITIES
        }
        self.severity[None] = words["unclassified"]
        self.milestone = [labels.label("milestone", m, lang) for m in MILESTONES]
        self.heads = [labels.h(k, lang) for k in _COLUMNS]
        # texts by the deadline's day (2 days or more late: read directly by _tables' loop;
        # 2 days or more ahead), or by the whole minutes to go (negative: late) within 2 days
        self.late: dict[int, str] = {}
        self._ahead: dict[int, str] = {}
        self._near: dict[int, str] = {}
        # the earliest and the latest deadline span every date used: a date outside the
        # calendar fails here, before anything is written
        ends = [key for group in found.groups.values() for key in (group.keys[0], group.keys[-1])]
        if ends:
            self.left(min(ends) >> found.shift)
            self.left(max(ends) >> found.shift)

    def left(self, due: int) -> str:
        delta = due - self.as_of
        if delta <= -_TWO_DAYS:  # working days from the deadline's day to as_of
            cache, n = self.late, (due + OFFSET) // _DAY
        elif delta >= _TWO_DAYS:  # working days from as_of to the day before the deadline
            cache, n = self._ahead, (due - 1 + OFFSET) // _DAY
        else:  # hours and minutes: whole minutes ahead, or (below zero) late
            cache, n = self._near, delta // 60 if delta >= 0 else ~(-delta // 60)
        text = cache.get(n)
        if text is None:
            text = cache[n] = self._remaining(due, self.as_of, self.cal, self.lang)
        return text


# Printable ASCII (one cell each) and blocks of CJK characters and punctuation that are all
# two cells wide, as Rich measures them (tests/test_screens.py checks every one): a text of only
# these is measured without Rich, each wide character being three bytes in UTF-8.
_SIMPLE = re.compile(
    "[\x20-\x7e\u3000-\u3029\u3030-\u303e\u3041-\u3096\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6]*"
)


def _width(text: str) -> int:
    """``text``'s width in terminal cells (Rich's ``cell_len``)."""
    if text.isascii() and text.isprintable():  # a tab or other control takes no cell
        return len(text)
    if _SIMPLE.fullmatch(text):
        n = len(text)
        return n + (len(text.encode()) - n) // 2
    from rich.cells import cell_len  # start-up: Rich only where another character is measured

    return cell_len(text)


def _plain_ascii(text: str) -> bool:
    return text.isascii() and not ("\n" in text or "\r" in text or "\t" in text)


def _padded(values: list[str], head: str) -> tuple[list[str], str]:
    """``values`` and ``head`` padded to one width in terminal cells, tabs and line breaks
    flattened.  ASCII columns (numbers, units, phones, nearly always) take a fast path."""
    joined = "".join(values)
    if _plain_ascii(joined):
        size = max(_width(head), max(map(len, values), default=0))
        return [v.ljust(size) for v in values], head + " " * (size - _width(head))
    if "\n" in joined or "\r" in joined or "\t" in joined:
        values = [v.translate(_FLAT) for v in values]
    widths = {v: _width(v) for v in {head, *values}}  # each distinct value measured once
    size = max(widths.values())
    pads = {v: v + " " * (size - w) for v, w in widths.items()}
    return [pads[v] for v in values], pads[head]


def _escaped(values: list[str], head: str) -> tuple[list[str], str]:
    """Markdown cells: one line each, ``|`` escaped."""

    def cell(text: str) -> str:
        return text.translate(_FLAT).replace("|", r"\|")

    joined = "".join(values)
    if not ("\n" in joined or "\r" in joined or "\t" in joined or "|" in joined):
        return values, cell(head)
    return [cell(v) for v in values], cell(head)


def _abouts(texts: list[str]) -> list[str]:
    """Each description's start on one line, phones masked: all at once, one regular
    expression and one ``translate`` over the texts joined by NUL (neither a digit nor ``-``,
    so a phone is matched exactly as in one text), unless a text holds a NUL itself."""
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:
        return [mask_phones_in(t).translate(_FLAT) for t in texts]
    return mask_phones_in(joined).translate(_FLAT).split("\0") if texts else []


class _Table:
    """One department's cells: the handlers', each complaint's (number, unit, phone, severity:
    ``middle``, joined), the milestones' and the header's, padded (text) or escaped (Markdown)
    once each; ``after[provisional]`` follows a deadline (``*`` and padding)."""

    def __init__(self, section: Section, texts: Texts, *, markdown: bool) -> None:
        # start-up: the query module only when a digest is drawn (this module is loaded with
        # the digest command's group)
        from complaintctl.reports.digest import ABOUT, CATEGORY, ID, PHONE, SEVERITY, UNIT

        rows = [c for _, group in section.handlers for c in group.complaints]
        keys = [key for _, group in section.handlers for key in group.keys]
        ids = [row[ID] for row in rows]
        # ``key & 14`` is the milestone (shifted by one), ``key & 1`` the provisional mark;
        # map() over a bound int method keeps these two passes over every milestone in C
        present = sorted({bits >> 1 for bits in set(map((14).__and__, keys))})
        self.starred = any(map((1).__and__, keys))
        cell = _escaped if markdown else _padded
        heads = texts.heads
        handlers, handler_head = cell([h or texts.none for h, _ in section.handlers], heads[0])
        numbers, number_head = cell([f"#{ref(cid, texts.qualified)}" for cid in ids], heads[1])
        units, unit_head = cell([row[UNIT] for row in rows], heads[2])
        phones, phone_head = cell([mask_phone(row[PHONE]) for row in rows], heads[3])
        codes = list({row[SEVERITY] for row in rows})  # the few labels, padded once each
        labels, severity_head = cell([texts.severity[c] for c in codes], heads[4])
        severity = dict(zip(codes, labels, strict=True))
        severities = [severity[row[SEVERITY]] for row in rows]
        kinds = list({row[CATEGORY] for row in rows})  # the few categories, padded once each
        named, category_head = cell([k or texts.none for k in kinds], heads[5])
        category = dict(zip(kinds, named, strict=True))
        categories = [category[row[CATEGORY]] for row in rows]
        # what the complaint is about: the description's start, one line, phones masked
        abouts, about_head = cell(_abouts([row[ABOUT] for row in rows]), heads[6])
        labels, milestone_head = cell([texts.milestone[m] for m in present], heads[7])
        join = (" | " if markdown else "  ").join
        self.handlers = handlers
        middles = zip(numbers, units, phones, severities, categories, abouts, strict=True)
        self.middle = dict(zip(ids, map(join, middles), strict=True))
        self.milestone = dict(zip(present, labels, strict=True))
        due_head = heads[8]
        if markdown:
            self.after = ("", "*")
        else:
            size = max(_width(due_head), 17 if self.starred else 16)
            self.after = (" " * (size - 16), "*" + " " * (size - 17))
            due_head += " " * (size - _width(due_head))
        self.heads = [
            handler_head,
            number_head,
            unit_head,
            phone_head,
            severity_head,
            category_head,
            about_head,
            milestone_head,
            due_head,
            heads[9],
        ]


def plain(
    found: Found, texts: Texts, *, colour: bool = False, width: int | None = None
) -> Iterator[str]:
    """Text for a terminal or a mail: a summary line per department, then its rows in
    aligned columns (handler shown once per group); colour only when asked.  ``width``: a
    terminal's, for :func:`desk` (None: every cell whole, however wide the lines)."""
    summary = _summary(found.breached, found.due_soon, texts.lang)
    yield f"{_title(found, texts.lang)}: {summary}\n"
    if width is not None:
        yield from desk(found, texts, width, colour=colour)
        return
    yield from _tables(found, texts, markdown=False, colour=colour)


# On a terminal: lines no wider than it.  From DESK_WIDE columns the full table, its 内容摘要
# cut to fit with …; below, the desk's columns (编号, 房号, 级别, 节点, 时限, 剩余), the handler
# on a line of its own above their rows and the 内容摘要 in what is left.  Numbers, units,
# times are never cut: only the description's start is.
DESK_WIDE = 120
_DESK = ("id", "unit", "severity", "milestone", "due", "left", "gist")
_FULL = ("handler", "id", "unit", "phone", "severity", "category", "milestone", "due", "left",
         "gist")  # fmt: skip
_GIST_MIN = 6  # fewer cells left: no 内容摘要 at all


def cut(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells, ending in … when it had to be cut."""
    if _width(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def desk(found: Found, texts: Texts, width: int, *, colour: bool = False) -> Iterator[str]:
    """The digest's rows laid out for a terminal ``width`` columns wide (see DESK_WIDE)."""
    from complaintctl.reports.digest import ABOUT, CATEGORY, ID, PHONE, SEVERITY, UNIT

    lang, shift, mask = texts.lang, found.shift, found.id_mask
    columns = _FULL if width >= DESK_WIDE else _DESK
    heads = dict(zip(_COLUMNS, texts.heads, strict=True))
    provisional = False
    for s in found.sections():
        rows: list[tuple[str | None, dict[str, str], str]] = []
        for handler, group in s.handlers:
            complaints = {c[ID]: c for c in group.complaints}
            for key in group.keys:
                c = complaints[key >> 4 & mask]
                due = key >> shift
                provisional = provisional or bool(key & 1)
                cells = {
                    "handler": handler or texts.none,
                    "id": f"#{ref(c[ID], texts.qualified)}",
                    "unit": c[UNIT].translate(_FLAT),
                    "phone": mask_phone(c[PHONE]),
                    "severity": texts.severity[c[SEVERITY]],
                    "category": (c[CATEGORY] or texts.none).translate(_FLAT),
                    "milestone": texts.milestone[key >> 1 & 7],
                    "due": texts.due(due) + ("*" if key & 1 else ""),
                    "left": texts.left(due),
                    "gist": mask_phones_in(c[ABOUT]).translate(_FLAT),
                }
                state = "breached" if due < found.as_of else "due_soon"
                rows.append((handler, cells, state))
        sizes = {
            k: max(_width(heads[k]), *(_width(cells[k]) for _, cells, _ in rows)) for k in columns
        }
        room = width - 2 - sum(sizes[k] + 2 for k in columns if k != "gist")
        shown = [k for k in columns if k != "gist" or room >= _GIST_MIN]
        if "gist" in shown:
            sizes["gist"] = min(sizes["gist"], room)
        summary = f"{_dept(s.department, lang)}: {_summary(s.breached, s.due_soon, lang)}"
        lines = ["", summary, _line([cut(heads[k], sizes[k]) for k in shown], shown, sizes)]
        current: object = ()
        for handler, cells, state in rows:
            if "handler" not in columns and handler is not None and handler != current:
                lines.append(
                    "  " + text("digest.handler", lang, head=heads["handler"], who=handler)
                )
            if "handler" in columns and handler == current:
                cells["handler"] = ""
            current = handler
            if "gist" in shown:
                cells["gist"] = cut(cells["gist"], sizes["gist"])
            if colour:
                cells["left"] = f"{_COLOUR[state]}{cells['left']}\x1b[0m"
            lines.append(_line([cells[k] for k in shown], shown, sizes, colour))
        yield "\n".join(lines) + "\n"
    if provisional:
        yield "\n" + _WORDS[lang]["provisional"] + "\n"


def _line(values: list[str], keys: list[str], sizes: dict[str, int], colour: bool = False) -> str:
    """Cells padded to their column's width, two spaces apart, the line's end stripped."""
    out = []
    for value, key in zip(values, keys, strict=True):
        seen = value
        if colour and value.startswith("\x1b["):
            seen = value[value.index("m") + 1 : -4]
        out.append(value + " " * (sizes[key] - _width(seen)))
    return ("  " + "  ".join(out)).rstrip()


def markdown(found: Found, texts: Texts) -> Iterator[str]:
    """The same as Markdown: a heading per department and a table of its rows (the handler
    on every row)."""
    summary = _summary(found.breached, found.due_soon, texts.lang)
    yield f"# {_title(found, texts.lang)}\n\n{summary}\n"
    yield from _tables(found, texts, markdown=True, colour=False)


def _tables(found: Found, texts: Texts, *, markdown: bool, colour: bool) -> Iterator[str]:
    """Each department's summary and table, then the note on provisional deadlines."""
    lang = texts.lang
    shift, mask, as_of = found.shift, found.id_mask, found.as_of
    days, minutes, late = texts.days, texts.minutes, texts.late
    provisional = False
    for s in found.sections():
        t = _Table(s, texts, markdown=markdown)
        provisional = provisional or t.starred
        summary = f"{_dept(s.department, lang)}: {_summary(s.breached, s.due_soon, lang)}"
        if markdown:
            rule = "| " + " | ".join(["---"] * len(t.heads)) + " |"
            lines = ["", f"## {summary}", "", "| " + " | ".join(t.heads) + " |", rule]
        else:
            lines = ["", summary, "  " + "  ".join(t.heads)]
        middle, milestone, after = t.middle, t.milestone, t.after
        blank = " " * _width(t.heads[0])
        for (_, group), handler in zip(s.handlers, t.handlers, strict=True):
            for key in group.keys:  # 150,000 times in a big digest: texts.due/left inlined
                due = key >> shift
                n, sec = divmod(due + OFFSET, _DAY)
                day = f"{days[n]} {minutes[sec // 60]}" if sec else days[n - 1] + " 24:00"
                left = late.get(n) if due - as_of <= -_TWO_DAYS else None
                if left is None:
                    left = texts.left(due)
                if markdown:
                    lines.append(
                        f"| {handler} | {middle[key >> 4 & mask]} | {milestone[key >> 1 & 7]} "
                        f"| {day}{after[key & 1]} | {left} |"
                    )
                    continue
                if colour:
                    left = f"{_COLOUR['breached' if due < as_of else 'due_soon']}{left}\x1b[0m"
                lines.append(
                    f"  {handler}  {middle[key >> 4 & mask]}  {milestone[key >> 1 & 7]}  "
                    f"{day}{after[key & 1]}  {left}"
                )
                handler = blank  # the handler's name on their first row only
            if len(lines) >= _BATCH:
                yield "\n".join(lines) + "\n"
                lines = []
        if lines:
            yield "\n".join(lines) + "\n"
    if provisional:
        yield "\n" + _WORDS[lang]["provisional"] + "\n"


class _Strings(dict[str | None, str]):
    """JSON strings of the few distinct departments, handlers and severities."""

    def __missing__(self, value: str | None) -> str:
        text = self[value] = "null" if value is None else json.dumps(value, ensure_ascii=False)
        return text


def json_chunks(found: Found) -> Iterator[str]:
    """``{"as_of", "summary", "departments", "breached", "due_soon"}``: indented at the top,
    one line per list item (readable, diffable), the entries written a batch at a time.
    The fields that belong to the complaint are encoded once per complaint."""
    from complaintctl.reports.digest import (  # start-up, as above
        ABOUT,
        CATEGORY,
        ID,
        NAME,
        PHONE,
        SEVERITY,
        UNIT,
    )

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    summary = {"breached": found.breached, "due_soon": found.due_soon}
    departments = ",\n".join(
        "    " + one({"department": s.department, "breached": s.breached, "due_soon": s.due_soon})
        for s in found.sections()
    )
    yield (
        f'{{\n  "as_of": {one(iso(from_epoch(found.as_of)))},\n  "summary": {one(summary)},\n'
        f'  "departments": [\n{departments}\n  ]'
    )
    strings = _Strings()
    fields = {  # what belongs to the complaint, once per complaint
        c[ID]: f'"site": "{site_of(c[ID])}", '
        f'"department": {strings[dept]}, "handler": {strings[handler]}, '
        f'"severity": {strings[c[SEVERITY]]}, "unit": {encode_basestring(c[UNIT])}, '
        f'"name": {encode_basestring(mask_name(c[NAME]))}, '
        f'"phone": {encode_basestring(mask_phone(c[PHONE]))}, '
        f'"category": {strings[c[CATEGORY]]}, '
        f'"description_start": {encode_basestring(mask_phones_in(c[ABOUT]))}}}'
        for (dept, handler), group in found.groups.items()
        for c in group.complaints
    }
    clock, as_of, shift, mask = _Clock(), found.as_of, found.shift, found.id_mask
    days, minutes, seconds = clock.days, clock.minutes, clock.seconds
    keys = found.ordered()
    late = bisect_left(keys, found.late())
    for name, part in (("breached", keys[:late]), ("due_soon", keys[late:])):
        if not part:
            yield f',\n  "{name}": []'
            continue
        yield f',\n  "{name}": ['
        # the text between the id and the deadline, by ``key & 15`` (milestone, provisional),
        # and after the deadline, by ``key & 1``
        before = [
            f', "milestone": "{MILESTONES[i >> 1]}", "state": "{name}", "due_at": "'
            for i in range(2 * len(MILESTONES))
        ]
        after = [f'", "provisional": {b}, "overdue_seconds": ' for b in ("false", "true")]
        for start in range(0, len(part), _BATCH):
            lines = []
            for key in part[start : start + _BATCH]:
                due, cid = key >> shift, key >> 4 & mask
                n, sec = divmod(due + OFFSET, _DAY)
                lines.append(
                    f'{{"id": {cid % STRIDE}{before[key & 15]}{days[n]}T{minutes[sec // 60]}'
                    f"{seconds[sec % 60]}{after[key & 1]}{as_of - due}, {fields[cid]}"
                )
            yield ("\n    " if start == 0 else ",\n    ") + ",\n    ".join(lines)
        yield "\n  ]"
    yield "\n}\n"
