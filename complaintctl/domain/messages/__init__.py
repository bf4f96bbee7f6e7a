"""The message catalogue: every sentence the tool says to people, one module per language.

The core never builds a user-facing sentence: its exceptions (``domain/errors.py``) carry a
key of this catalogue and the values to fill in, and the CLI renders them in the language of
``--lang`` with :func:`render`.  A translation is one file, ``zh.py`` or ``en.py``; the
catalogue test (tests/test_catalogue.py) checks that both hold the same keys with the same
placeholders, and that every key the code names is in them.

Values are formatted here, the same way in every message:

- a ``datetime``: local time to the minute, a moment at midnight as the day before ``24:00``
  (``2026-03-10 24:00``, the form of every deadline on screen);
- a ``date``: ``2026-03-10``;
- a ``timedelta``: ``3天2小时`` / ``3 d 2 h``;
- a :class:`Term`: a coded value given in both languages (a status, a kind, a severity);
- a :class:`Msg`: another message of the catalogue (the name of a step);
- an error of the core: its own message;
- a list or tuple: its items, each formatted, joined with ``、`` / ``, ``.

This package imports nothing of complaintctl (the errors render through it).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from complaintctl.domain.messages import en, zh

LANGS = ("zh", "en")
CATALOGUES: dict[str, Mapping[str, str]] = {"zh": zh.MESSAGES, "en": en.MESSAGES}


class Term(NamedTuple):
    """A coded value as both languages name it: ``Term("closed", "已关闭")``."""

    en: str
    zh: str


class Msg(NamedTuple):
    """A message of the catalogue used as a value inside another: ``Msg("step.close")``."""

    key: str
    params: Mapping[str, Any] = {}


def text(key: str, lang: str = "zh", /, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    return render(key, params, lang)


def render(key: str, params: Mapping[str, Any], lang: str = "zh") -> str:
    """The message ``key`` in ``lang`` (``zh`` unless ``en``) with ``params`` filled in.

    A key missing from the catalogue renders as the key and its values, never fails: an error
    must always reach the user."""
    lang = "en" if lang == "en" else "zh"
    template = CATALOGUES[lang].get(key)
    if template is None:
        values = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{key} ({values})" if values else key
    return _Formatter(lang).vformat(template, (), dict(params))


def value(item: Any, lang: str) -> str:
    """One value as a message shows it in ``lang`` (see the module's documentation)."""
    if isinstance(item, Term):
        return item.en if lang == "en" else item.zh
    if isinstance(item, Msg):
        return render(item.key, item.params, lang)
    if isinstance(item, datetime):
        return _moment(item)
    if isinstance(item, date):
        return item.isoformat()
    if isinstance(item, timedelta):
        return _span(int(item.total_seconds()), lang)
    if hasattr(item, "render") and callable(item.render):  # an error inside a message
        return str(item.render(lang))
    if isinstance(item, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(value(i, lang) for i in item)
    return str(item)


def _moment(moment: datetime) -> str:
    from zoneinfo import ZoneInfo  # start-up: only when a message shows a time

    local = moment.astimezone(ZoneInfo("Asia/Shanghai")) if moment.tzinfo else moment
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def _span(seconds: int, lang: str) -> str:
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
        return " ".join(p for p in parts if p) or f"{minutes} min"
    return (f"{days}天" if days else "") + (f"{hours}小时" if hours else "") or f"{minutes}分钟"


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def convert_field(self, item: Any, conversion: str | None) -> Any:
        if conversion == "r" and isinstance(item, str):
            return f"“{_escaped(item)}”" if self.lang == "zh" else repr(item)
        return super().convert_field(item, conversion)

    def format_field(self, item: Any, format_spec: str) -> str:
        if format_spec and isinstance(item, (int, float)):
            return format(item, format_spec)
        return value(item, self.lang)


def _escaped(text: str) -> str:
    """``text`` with what cannot be shown (line breaks, direction overrides, invisible
    characters) escaped as ``repr`` escapes it, so a quoted value stays one visible line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def labels(prefix: str) -> dict[str, tuple[str, str]]:
    """The labels under ``prefix`` (``"label.header."``) by the rest of their key, each as
    ``(Chinese, English)``: the tables of column headers and coded values, read from the
    catalogue so that a translation stays one file (issue 15)."""
    cut = len(prefix)
    english = CATALOGUES["en"]
    return {k[cut:]: (v, english[k]) for k, v in CATALOGUES["zh"].items() if k.startswith(prefix)}


def placeholders(template: str) -> set[str]:
    """The names a template fills in (for the catalogue test)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
