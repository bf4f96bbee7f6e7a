"""The digest as group-robot messages for 企业微信 (WeCom) and 钉钉 (DingTalk): pure text, no
network (``transfer/robots.py`` delivers them).

A robot accepts a Markdown subset without tables and limits a message's size, so the digest is
rewritten as **one line per complaint** (编号, 房号, category, the start of the description, its
most overdue milestone and how far past or how close it is, the handler), breached first, under
a header line of counts, and split into as many messages as needed without cutting a line.
Each department gets its own part; the ``"*"`` part is the summary of all departments (first
each department's counts, then each department's complaints under its name).  Text typed by
people (units, descriptions, categories, handlers) cannot inject markup: the robots' markup
characters are replaced by their full-width forms, and runs of digits that look like a phone
number are masked as the digest masks phones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from complaintctl.domain.messages import LANGS, labels
from complaintctl.domain.privacy import mask_phones_in
from complaintctl.domain.sites import ref
from complaintctl.reports.digest import ID, UNIT
from complaintctl.reports.digest_text import _dept, _summary, _title

if TYPE_CHECKING:
    from complaintctl.reports.digest import Found, Section
    from complaintctl.reports.digest_text import Texts
    from complaintctl.store.ledger import Ledger

KINDS: Final = ("wecom", "dingtalk")  # room for feishu
# Bytes of UTF-8 Markdown a message may carry.  WeCom refuses content over 4,096 bytes;
# DingTalk's limit is larger (about 20,000 bytes): stay well below it.
LIMITS: Final = {"wecom": 4096, "dingtalk": 16000}
ALL: Final = "*"  # the robot of the summary of all departments

_DESCRIPTION = 16  # characters of the description shown
_FIELD = 20  # at most this many characters of a unit, category or handler
# Markup of the robots' Markdown subsets (WeCom also reads <font> tags), and line breaks.
_SAFE = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "<": "＜",
        ">": "＞",
        "[": "［",
        "]": "］",
        "|": "｜",
        "\\": "＼",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)
# a phone number in a description: 7 digits or more, perhaps after an area code and a dash
# The robot message's words per language, from the catalogue (``label.robot.*``).
_WORDS = {
    lang: {k: v[i] for k, v in labels("label.robot.").items()} for i, lang in enumerate(LANGS)
}


def safe(text: str, size: int, *, phones: bool = False) -> str:
    """Typed text as one line of plain characters, at most ``size`` characters (``…`` when
    cut); with ``phones``, numbers that look like a phone masked as the digest masks phones."""
    if phones:
        text = mask_phones_in(text)
    text = " ".join(text.translate(_SAFE).split())
    return text if len(text) <= size else text[: size - 1] + "…"


@dataclass
class Part:
    """What one group receives: ``department`` (a policy department, None for 未派单, or
    ``"*"``), its heading (counts) and its items, each one line (or, in the summary, a
    department's name followed by its first complaint, so a name never ends a message
    alone)."""

    department: str | None
    heading: str
    title: str
    items: list[str] = field(default_factory=list)


class _Short(dict[str, str]):
    """:func:`safe` of the few distinct units, categories and handlers, once each."""

    def __missing__(self, text: str) -> str:
        value = self[text] = safe(text, _FIELD)
        return value


def details(ledger: Ledger, found: Found) -> dict[int, str]:
    """Each complaint's cells before its milestone, made safe once for every robot: 编号, 房号,
    the category (when classified) and the start of the description (one query)."""
    units = {c[ID]: c[UNIT] for g in found.groups.values() for c in g.complaints}
    rows = ledger.conn.execute(
        "SELECT id, category, description FROM complaints "
        "WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
        (json.dumps(list(units)),),
    )
    short = _Short()
    out = {}
    for cid, category, description in rows:
        cells = [f"#{ref(cid, found.qualified)}", short[units[cid]]]
        if category:
            cells.append(short[category])
        if description and description.strip():
            cells.append(safe(description, _DESCRIPTION, phones=True))
        out[cid] = " ".join(cells)
    return out


def _lines(
    section: Section, found: Found, texts: Texts, info: dict[int, str], kind: str
) -> list[str]:
    """One line per complaint of the section, by its most overdue milestone at risk."""
    shift, mask, as_of = found.shift, found.id_mask, found.as_of
    keys: list[tuple[int, str | None]] = []
    for handler, group in section.handlers:
        keys += [(key, handler) for key in group.keys]
    keys.sort()
    first: dict[int, tuple[int, str | None]] = {}
    count: dict[int, int] = {}
    for key, handler in keys:
        cid = key >> 4 & mask
        first.setdefault(cid, (key, handler))
        count[cid] = count.get(cid, 0) + 1
    more = _WORDS[texts.lang]["more"]
    bullet = "- " if kind == "dingtalk" else ""
    handlers = {h: " " + safe(h, _FIELD) if h else "" for h, _ in section.handlers}
    milestones = texts.milestone
    out = []
    for cid, (key, handler) in first.items():
        due = key >> shift
        left = texts.left(due)
        if due < as_of:
            left = f'<font color="warning">{left}</font>' if kind == "wecom" else f"**{left}**"
        if count[cid] > 1:
            left += more.format(count=count[cid] - 1)
        out.append(f"{bullet}{info[cid]} {milestones[key >> 1 & 7]} {left}{handlers[handler]}")
    return out


def parts(
    found: Found,
    texts: Texts,
    info: dict[int, str],
    kind: str,
    wanted: set[str | None],
) -> list[Part]:
    """The parts for the robots of one ``kind``: one per wanted department with something at
    risk (None: 未派单), and the summary of all when ``"*"`` is wanted."""
    lang = texts.lang
    name = _WORDS[lang]["title"]
    when = _title(found, lang)[len(name) :].strip()  # "截至 2026-03-02 12:00"
    out = []
    summary = Part(ALL, f"{when}: {_summary(found.breached, found.due_soon, lang)}", name)
    overview = []  # the summary's first lines: each department's counts
    bullet = "- " if kind == "dingtalk" else ""
    # a blank line before each department; DingTalk needs one between a paragraph and a list
    gap = ("\n", "\n\n") if kind == "dingtalk" else ("\n", "\n")
    sections = found.sections()
    for s in sections:
        if s.department not in wanted and ALL not in wanted:
            continue
        lines = _lines(s, found, texts, info, kind)
        counts = _summary(s.breached, s.due_soon, lang)
        dept = safe(_dept(s.department, lang), _FIELD)
        if s.department in wanted:
            out.append(Part(s.department, f"{when}: {counts}", f"{name} {dept}", list(lines)))
        if ALL in wanted and lines:
            overview.append(f"{bullet}{dept}: {counts}")
            summary.items.append(f"{gap[0]}**{dept}**{gap[1]}{lines[0]}")
            summary.items += lines[1:]
    if ALL in wanted and summary.items:
        if len(overview) > 1:  # so that every department's counts are in the first message
            summary.items[:0] = overview
        out.append(summary)
    return out


def messages(
    part: Part, kind: str, lang: str, limit: int | None = None, most: int | None = None
) -> list[tuple[str, str]]:
    """The part as Markdown messages (title, text) of at most ``limit`` bytes of text (the
    robot's), each starting with the heading and, when there are several, ``（2/3）``; items
    are never cut (an item too long for any message cannot occur, fields being shortened;
    it would be cut at a character).  With ``most``, at most that many messages: the last
    one ends with a line counting the complaints left out."""
    limit = LIMITS[kind] if limit is None else limit
    words = _WORDS[lang]
    marker = words["part"]

    def number(i: int, n: int) -> str:
        return marker.format(part=i, parts=n) if n > 1 else ""

    def head(i: int, n: int) -> str:
        if kind == "dingtalk":
            return f"#### {part.title}{number(i, n)}\n\n{part.heading}\n\n"
        return f"**{part.title}**{number(i, n)}\n{part.heading}\n"

    reserve = len(head(99999, 99999).encode())  # the longest heading, numbers included
    room = limit - reserve
    if room < 200:
        raise ValueError(f"limit {limit} leaves no room for the lines")
    chunks: list[list[str]] = [[]]
    used = 0
    for item in part.items:
        size = len(item.encode()) + 1  # and its line break
        if size > room:  # cannot happen with the shortened fields; never send too much
            item = item.encode()[: room - 4].decode(errors="ignore") + "…"
            size = len(item.encode()) + 1
        if used + size > room and chunks[-1]:
            chunks.append([])
            used = 0
        chunks[-1].append(item)
        used += size
    if most is not None and len(chunks) > most:
        chunks = _cut(chunks, most, room, kind, words["rest"])
    n = len(chunks)
    return [
        (part.title + number(i, n), head(i, n) + "\n".join(lines))
        for i, lines in enumerate(chunks, 1)
    ]


def _cut(chunks: list[list[str]], most: int, room: int, kind: str, rest: str) -> list[list[str]]:
    """The first ``most`` chunks, the last ending with the count of the items left out."""
    left_out = sum(map(len, chunks[most:]))
    kept = chunks[:most]
    last = kept[-1]
    gap = "\n" if kind == "dingtalk" else ""  # DingTalk: a paragraph after a list
    while True:
        note = gap + rest.format(count=left_out)
        if not last or sum(len(i.encode()) + 1 for i in [*last, note]) <= room:
            break
        last.pop()
        left_out += 1
    last.append(note)
    return kept


def envelope(kind: str, title: str, text: str) -> dict[str, Any]:
    """The JSON body a robot of ``kind`` expects for a Markdown message."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    raise ValueError(f"unknown robot kind {kind!r}")
