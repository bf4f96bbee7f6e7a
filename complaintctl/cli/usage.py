"""click's own usage errors (no such option, missing argument, invalid value, no such command
...) in the chosen language, from the message catalogue.

click builds these sentences in English inside its parser; here each kind of error is
recognised by its class and attributes (or, for the plain ``UsageError`` the parser raises
with a fixed sentence, by that sentence) and said again through ``domain/messages``.  A
sentence not recognised is shown as click wrote it, so an error is never lost.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from complaintctl.domain.messages import render

ENV_LANG = "COMPLAINTCTL_LANG"


def chosen_lang(args: Sequence[Any] | None) -> str:
    """The language of this run as the command line says (``--lang en``, ``--lang=en``), else
    ``$COMPLAINTCTL_LANG``, else Chinese.  Read from the arguments, since an error may come
    before click has parsed ``--lang``."""
    words = [a for a in (sys.argv[1:] if args is None else args) if isinstance(a, str)]
    for index, word in enumerate(words):
        if word == "--":
            break
        if word == "--lang" and index + 1 < len(words):
            return "en" if words[index + 1] == "en" else "zh"
        if word.startswith("--lang="):
            return "en" if word.split("=", 1)[1] == "en" else "zh"
    return "en" if os.environ.get(ENV_LANG, "").strip() == "en" else "zh"


def message(exc: Any, lang: str) -> str:
    """One line for click's usage error ``exc``, prefixed with the command it concerns."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "complaintctl"
    return render("usage.where", {"command": where, "message": _text(exc, lang)}, lang)


def _hint(exc: Any) -> str:
    param, ctx = getattr(exc, "param", None), getattr(exc, "ctx", None)
    if getattr(exc, "param_hint", None) is not None:
        hint = exc.param_hint
        return " / ".join(repr(h) for h in hint) if isinstance(hint, (list, tuple)) else str(hint)
    if param is not None:
        return str(param.get_error_hint(ctx))
    return ""


def _text(exc: Any, lang: str) -> str:
    kind = type(exc).__name__
    original = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        text = render("usage.no_such_option", {"option": exc.option_name}, lang)
        if exc.possibilities:
            options = sorted(exc.possibilities)
            text = render("usage.possible_options", {"message": text, "options": options}, lang)
        return text
    if kind == "MissingParameter":
        param_type = exc.param_type or (exc.param.param_type_name if exc.param else "")
        key = {"argument": "usage.missing_argument", "option": "usage.missing_option"}
        return render(key.get(param_type, "usage.missing_parameter"), {"name": _hint(exc)}, lang)
    if kind == "BadParameter":
        inner = _value_text(original, lang)
        hint = _hint(exc)
        if hint:
            return render("usage.invalid_value", {"name": hint, "message": inner}, lang)
        return render("usage.invalid_value_plain", {"message": inner}, lang)
    return _sentence(original, lang)


_NUMBER = re.compile(
    r"^'(?P<value>.*)' is not a valid (?P<kind>integer|int|float)(?: range)?\.$", re.S
)
_RANGE = re.compile(r"^(?P<value>.*) is not in the range (?P<range>.*)\.$", re.S)
_CHOICE = re.compile(r"^'(?P<value>.*)' is not one of (?P<choices>.*)\.$", re.S)


def _value_text(text: str, lang: str) -> str:
    """A type's complaint about a value (not a number, not one of the choices)."""
    if m := _NUMBER.match(text):
        kind = render("usage.float" if m["kind"] == "float" else "usage.integer", {}, lang)
        return render("usage.not_a_number", {"value": m["value"], "kind": kind}, lang)
    if m := _RANGE.match(text):
        return render("usage.not_in_range", m.groupdict(), lang)
    if m := _CHOICE.match(text):
        choices = re.findall(r"'([^']*)'", m["choices"])
        return render("usage.not_one_of", {"value": m["value"], "choices": choices}, lang)
    return text


_SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^No such command '(?P<name>.*)'\.$", re.S), "usage.no_such_command"),
    (
        re.compile(r"^'(?P<name>.*)' is ambiguous: could be (?P<candidates>.*)$", re.S),
        "usage.ambiguous",
    ),
    (
        re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$", re.S),
        "usage.extra_arguments",
    ),
    (
        re.compile(r"^Option '(?P<option>.*)' requires an argument\.$", re.S),
        "usage.requires_argument",
    ),
    (
        re.compile(r"^Option '(?P<option>.*)' requires (?P<count>\d+) arguments\.$", re.S),
        "usage.requires_arguments",
    ),
    (
        re.compile(r"^Option '(?P<option>.*)' does not take a value\.$", re.S),
        "usage.takes_no_value",
    ),
    (re.compile(r"^Missing command\.$"), "usage.missing_command"),
]
_DID_YOU_MEAN = re.compile(r"^(?P<message>.*?)\.? Did you mean (?P<candidates>.*)\?$", re.S)


def _sentence(text: str, lang: str) -> str:
    """A plain usage error: click's fixed sentences, with the candidates it suggests kept."""
    candidates = None
    if m := _DID_YOU_MEAN.match(text):
        text, candidates = (
            m["message"] + ("." if m["message"].startswith("No such") else ""),
            m["candidates"],
        )
    for pattern, key in _SENTENCES:
        if m := pattern.match(text):
            params = dict(m.groupdict())
            if key == "usage.ambiguous":
                params["candidates"] = params["candidates"].split(", ")
            text = render(key, params, lang)
            break
    if candidates is not None:
        text = render("usage.did_you_mean", {"message": text, "candidates": candidates}, lang)
    return text
