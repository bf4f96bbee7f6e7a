"""One message catalogue per language (issue 15): every key in both languages with the same
placeholders, every key the code names in the catalogue, no core module that builds a
user-facing sentence itself; and the errors, refusals and usage errors a user meets, in
Chinese by default and in English under --lang en / COMPLAINTCTL_LANG=en."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintctl.domain import errors
from complaintctl.domain.errors import DomainError, InvalidInput
from complaintctl.domain.messages import CATALOGUES, Msg, Term, en, placeholders, render, zh

PACKAGE = Path(__file__).resolve().parent.parent / "complaintctl"
CATALOGUE_DIR = PACKAGE / "domain" / "messages"
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$")
# The exceptions of domain/errors.py; InvalidInput's key is its second argument (the first
# names the field).
EXCEPTIONS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.ComplaintError)
}
# Functions whose first string argument (after ctx) is a key of the catalogue.
KEYED = {"Msg": 0, "text": 0, "render": 0, "say": 1, "line": 1, "Bad": 0}
TZ = ZoneInfo("Asia/Shanghai")


def _sources(*, core_only: bool = False) -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if CATALOGUE_DIR not in p.parents and not (core_only and "cli" in p.parts)
    ]


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _key_argument(call: ast.Call) -> ast.expr | None:
    """The argument that names a message, for a call that takes one."""
    name = _name(call.func)
    if name in EXCEPTIONS:
        index = 1 if name == "InvalidInput" else 0
    elif name in KEYED and isinstance(call.func, ast.Name):  # not exc.render("en")
        index = KEYED[name]
    else:
        return None
    return call.args[index] if len(call.args) > index else None


def _keys_used() -> list[tuple[str, str]]:
    """(where, key or key prefix ending in '.') for every message the code names."""
    used = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            arg = _key_argument(node)
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                used.append((where, arg.value))
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                used.append((where, str(arg.values[0].value)))  # Msg(f"step.{step}")
    return used


def test_both_languages_hold_the_same_keys() -> None:
    only_zh = sorted(set(zh.MESSAGES) - set(en.MESSAGES))
    only_en = sorted(set(en.MESSAGES) - set(zh.MESSAGES))
    assert only_zh == [] and only_en == [], f"zh only: {only_zh}; en only: {only_en}"
    assert len(zh.MESSAGES) > 200


def test_both_languages_fill_in_the_same_placeholders() -> None:
    differ = [
        (key, sorted(placeholders(en.MESSAGES[key])), sorted(placeholders(zh.MESSAGES[key])))
        for key in en.MESSAGES
        if placeholders(en.MESSAGES[key]) != placeholders(zh.MESSAGES.get(key, ""))
    ]
    assert differ == []


def test_keys_are_dotted_names_and_chinese_is_chinese() -> None:
    assert [k for k in en.MESSAGES if not KEY.match(k)] == []
    # a Chinese template left in English is a missed translation (a few are only a value)
    untranslated = [
        k
        for k, v in zh.MESSAGES.items()
        if not k.endswith(".examples")  # command lines
        and re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}", re.sub(r"\{[^}]*\}|--[a-z-]+", "", v))
        and not re.search(r"[\u4e00-\u9fff]", v)
    ]
    assert untranslated == []


def test_every_template_renders_in_both_languages() -> None:
    for lang, catalogue in CATALOGUES.items():
        for key, template in catalogue.items():
            out = render(key, dict.fromkeys(placeholders(template), 7), lang)
            assert "{" not in out.replace("{{", "") or "[[" in template, (lang, key, out)


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    used = _keys_used()
    assert len(used) > 200
    missing = [
        (where, key)
        for where, key in used
        if (key.endswith(".") and not any(k.startswith(key) for k in en.MESSAGES))
        or (not key.endswith(".") and key not in en.MESSAGES)
    ]
    assert missing == []


def _sentence(node: ast.expr) -> str | None:
    """A string in an argument that reads as words of a sentence (three words or more)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if re.search(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}", sub.value):
                return sub.value
            if re.search(r"[\u4e00-\u9fff].*[，；：。]", sub.value):
                return sub.value
    return None


def test_no_core_module_builds_a_sentence_for_an_error() -> None:
    """Outside cli/ and the catalogue, an error of domain/errors names its message by a key
    (a plain string constant) and passes values, never a sentence it formatted itself."""
    wrong = []
    for path in _sources(core_only=True):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or _name(node.func) not in EXCEPTIONS:
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            key = _key_argument(node)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                wrong.append((where, "the message is not a key", ast.unparse(key or node)))
                continue
            if not KEY.match(key.value):
                wrong.append((where, "not a key", key.value))
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if arg is not key and (text := _sentence(arg)) is not None:
                    wrong.append((where, "a sentence in a value", text))
    assert wrong == []


def test_the_check_finds_a_sentence(tmp_path: Path) -> None:
    """The AST check above is able to fail."""
    tree = ast.parse(
        'raise DomainError(f"cannot close #{i}: it is closed")\n'
        'raise InvalidInput("--x", "must not be empty")\n'
        'raise InvalidInput("--x", "common.must_not_be_empty", hint="use --anonymous if so")\n'
    )
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    keys = [_key_argument(c) for c in calls]
    assert not isinstance(keys[0], ast.Constant)
    assert isinstance(keys[1], ast.Constant) and not KEY.match(keys[1].value)
    assert _sentence(calls[2].keywords[0].value) == "use --anonymous if so"


# -- no sentence outside the catalogue: cli/, reports/, transfer/, store/verify.py ------------

# Where the output for people is made.  A sentence there comes from the catalogue: no
# ``"…" if lang == "zh" else "…"`` pair, no English sentence in an f-string.
OUTPUT_MODULES = [
    *sorted((PACKAGE / "cli").glob("*.py")),
    *sorted((PACKAGE / "reports").glob("*.py")),
    *sorted((PACKAGE / "transfer").glob("*.py")),
    PACKAGE / "store" / "verify.py",
    PACKAGE / "store" / "head.py",
    PACKAGE / "sla" / "late.py",
]
LANG_CODES = {"zh", "en", "zh-CN"}
# Modules that choose by language without holding a sentence, and why.
PAIRS_ALLOWED = {
    "cli/helptext.py": "chooses the catalogue and click's context class by language, no words",
    "transfer/exporter.py": "a file format: the export's column headers (English ones are the "
    "field codes import reads back), its 是 cell and sheet name",
}
# Not yet moved into the catalogue (issue 15, what is left): inline pairs per module.  The test
# fails when a module holds more than listed here, or a module not listed holds one; lower a
# count (or drop the module) when its pairs move into messages/zh.py and en.py.
PAIRS_LEFT: dict[str, int] = {}
# f-strings with English words that are not sentences for people, and why.
FSTRINGS_ALLOWED = {
    "cli/lazy.py": "click's own usage errors, in click's words: cli/usage.py translates them",
}
# English sentences built in f-strings not yet moved (issue 15, what is left): the reasons of
# a bad row of an import (transfer/rows.py, sheets.py; their plain-string reasons too, which
# this check does not see), in English under either language.
FSTRINGS_LEFT: dict[str, int] = {}
_WORDS = re.compile(r"[A-Za-z]{2,}[ ,;:'()]+[A-Za-z]{2,}[ ,;:'()]+[A-Za-z]{2,}")
_SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|AND|IN|CASE|WHEN|THEN|CAST|IS NULL|ORDER BY|LIMIT)\b"
)
_INTERNAL = {
    "AttributeError",
    "AssertionError",
    "KeyError",
    "RuntimeError",
    "TypeError",
    "ValueError",
}


def _chooses_language(test: ast.expr) -> bool:
    """``lang == "en"``, ``self.lang != "zh"``, ``en`` / ``zh`` (a flag of the language)."""
    if isinstance(test, ast.Name) and test.id in ("en", "zh"):
        return True
    return any(
        isinstance(sub, ast.Compare)
        and any(isinstance(c, ast.Constant) and c.value in ("zh", "en") for c in sub.comparators)
        for sub in ast.walk(test)
    )


def _words(nodes: list[ast.AST]) -> str | None:
    """A string in ``nodes`` that holds words (not a language code)."""
    for node in nodes:
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and sub.value not in LANG_CODES
                and re.search(r"[A-Za-z]{2,}|[\u4e00-\u9fff]|[，；：、（）]", sub.value)
            ):
                return sub.value
    return None


def _language_pairs(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and _chooses_language(node.test):
            words = _words([node.body, node.orelse])
        elif isinstance(node, ast.If) and _chooses_language(node.test):
            words = _words([*node.body, *node.orelse])
        else:
            continue
        if words is not None:
            found.append((node.lineno, words))
    return sorted(found)


def _english_fstrings(tree: ast.AST) -> list[tuple[int, str]]:
    """f-strings whose words read as an English sentence: not SQL, not ``--help`` text (the
    help comes from the catalogue by cli/helptext.py), not an internal error of Python's."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "help":
            skip.update(id(sub) for sub in ast.walk(node.value))
        elif (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and _name(node.exc.func) in _INTERNAL
        ):
            skip.update(id(sub) for sub in ast.walk(node.exc))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in skip:
            literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if _WORDS.search(literal) and not _SQL.search(literal) and not literal.startswith("<"):
                found.append((node.lineno, literal))
    return found


def _over(find, allowed: dict[str, str], left: dict[str, int]) -> list[str]:  # type: ignore[no-untyped-def]
    wrong = []
    for path in OUTPUT_MODULES:
        where = str(path.relative_to(PACKAGE))
        if where in allowed:
            continue
        found = find(ast.parse(path.read_text(encoding="utf-8")))
        if len(found) > left.get(where, 0):
            wrong += [f"{where}:{line}: {text!r}" for line, text in found]
    return wrong


def test_no_inline_language_pair_outside_the_catalogue() -> None:
    """A sentence in both languages lives in messages/zh.py and en.py, looked up by key."""
    assert _over(_language_pairs, PAIRS_ALLOWED, PAIRS_LEFT) == []


def test_no_english_sentence_in_an_fstring_outside_the_catalogue() -> None:
    """An f-string does not build a sentence for people: a key and its values do."""
    assert _over(_english_fstrings, FSTRINGS_ALLOWED, FSTRINGS_LEFT) == []


def test_the_output_checks_find_a_pair_and_a_sentence() -> None:
    """The two checks above are able to fail."""
    tree = ast.parse(
        'line = "没有符合条件的投诉。" if lang == "zh" else "No complaints match."\n'
        'if self.lang == "en":\n    title = "Details"\n'
        'sep = "、" if lang == "zh" else ", "\n'
        'cat = CATALOGUES["en" if lang == "en" else "zh"]\n'
        'typer.echo(f"{o.robot}: {o.error}; {o.sent} of {o.total} messages sent")\n'
        'x = typer.Option(None, help=f"History file (default ${ENV}, else the data folder).")\n'
        'q = f"SELECT id FROM complaints WHERE site IN ({marks})"\n'
        'raise ValueError(f"limit {n} leaves no room for the lines")\n'
    )
    assert [line for line, _ in _language_pairs(tree)] == [1, 2, 4]
    assert _english_fstrings(tree) == [(6, ": ;  of  messages sent")]


# -- no table of labels outside the catalogue ------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Tables of words in both languages that are a file format, not display text, and why.
LABEL_TABLES_ALLOWED = {
    "transfer/sheets.py": "the column headers import reads (English field codes and Chinese "
    "headers of registers and of our own export): a file format",
    "transfer/exporter.py": "the export's column headers, which import reads back: a file format",
    "transfer/rows.py": "the words import recognises in a register's cells (input, not display)",
}


def _both_languages(node: ast.AST) -> bool:
    """A tuple of string constants, one Chinese and one English: ``("编号", "ID")``."""
    if not isinstance(node, ast.Tuple) or len(node.elts) < 2:
        return False
    words = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return any(_CJK.search(w) for w in words) and any(
        re.search(r"[A-Za-z]{2,}", w) and not _CJK.search(w) for w in words
    )


def _label_tables(tree: ast.AST) -> list[tuple[int, str]]:
    """Tables that hold labels: two or more ``("中文", "English")`` entries of a dict, tuple
    or list; a dict keyed by ``"zh"`` and ``"en"``; or a dict of three or more English codes
    to Chinese names (``{"minor": "轻微", ...}``, the English being the code)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            entries = node.values
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            named = [
                v
                for k, v in zip(keys, node.values, strict=True)
                if isinstance(k, str)
                and re.fullmatch(r"[a-z_]+", k)
                and isinstance(v, ast.Constant)
                and isinstance(v.value, str)
                and _CJK.search(v.value)
            ]
            by_language = {"zh", "en"} <= set(keys) or len(named) >= 3
        elif isinstance(node, (ast.Tuple, ast.List)):
            entries, by_language = node.elts, False
        else:
            continue
        if by_language or len([e for e in entries if e is not None and _both_languages(e)]) >= 2:
            found.append((node.lineno, ast.unparse(node)[:60]))
    return found


def test_no_table_of_labels_outside_the_catalogue() -> None:
    """Column headers, coded values' names and report words live in messages/zh.py and en.py
    (``label.*``), looked up by key: a translation is one file (issue 15)."""
    wrong = []
    for path in _sources():
        where = str(path.relative_to(PACKAGE))
        if where in LABEL_TABLES_ALLOWED:
            continue
        for line, found in _label_tables(ast.parse(path.read_text(encoding="utf-8"))):
            wrong.append(f"{where}:{line}: {found}")
    assert wrong == []


def test_the_label_check_finds_a_table() -> None:
    """The check above is able to fail."""
    tree = ast.parse(
        'HEADERS = {"id": ("编号", "ID"), "unit": ("房号/铺位", "Unit")}\n'
        '_WORDS = {"zh": {"title": "投诉督办"}, "en": {"title": "Complaint digest"}}\n'
        'COLUMNS = (("total", "计入", "Counted"), ("timely", "及时", "Timely"))\n'
        'SEVERITY = Enum("--severity", {"minor": "轻微", "moderate": "中度", "major": "重大"})\n'
        'EXPORTED = {"export_id": ("id", "编号")}\n'
        'ESCAPE = {"<": "&lt;", ">": "&gt;"}\n'
        'ALIASES = {"热线": "phone", "tel": "phone", "现场": "visit"}\n'
    )
    assert [line for line, _ in _label_tables(tree)] == [1, 2, 3, 4]


def test_labels_come_from_the_catalogue_in_both_languages() -> None:
    from complaintctl.domain.labels import event_term, h, label
    from complaintctl.reports.figures import label as figure_label

    assert (h("received", "zh"), h("received", "en")) == ("受理时间", "Received")
    assert (label("status", "resolved", "zh"), label("status", "resolved", "en")) == (
        "待回访",
        "resolved",
    )
    assert (label("milestone", "respond", "zh"), label("state", "due_soon", "en")) == (
        "首次联系",
        "due_soon",
    )
    assert event_term("linked") == Term("linked as duplicate", "并单")
    assert figure_label("respond_rate", "zh") == "首次联系按时率%"
    for key, value in zh.MESSAGES.items():
        if key.startswith("label."):
            assert value and en.MESSAGES[key], key


# -- the renderer ----------------------------------------------------------------------------


def test_values_are_formatted_per_language() -> None:
    due = datetime(2026, 3, 11, 0, 0, tzinfo=TZ)
    exc = DomainError(
        "steps.cannot_reopen_the_reconsideration_window_after",
        id=3,
        reconsideration="7d",
        window_end=due,
    )
    assert exc.render("zh") == "不能复议 #3：复议期限（办结后 7d）已于 2026-03-10 24:00 结束"
    assert exc.render("en") == (
        "cannot reopen #3: the reconsideration window (7d after the resolution) ended "
        "2026-03-10 24:00"
    )
    assert str(exc) == exc.render("en")  # logs and tests read English
    refused = DomainError(
        "steps.refused",
        step=Msg("step.close"),
        id=3,
        status=Term("closed", "已关闭"),
        allowed=[Msg("step.reopen")],
    )
    assert refused.render() == "不能关闭 #3：已关闭；现在可以：复议"
    assert refused.render("en") == "cannot close #3: it is closed; allowed now: reopen"


def test_invalid_input_names_field_and_accepted_values_in_the_language() -> None:
    exc = InvalidInput(
        "--severity",
        "common.unknown_value",
        accepted=[Term("minor", "轻微"), Term("major", "重大")],
        text="huge",
    )
    assert exc.render("zh") == "--severity：未知的值 “huge”（可选：轻微、重大）"
    assert exc.render("en") == "--severity: unknown value 'huge' (accepted: minor, major)"


def test_a_key_missing_from_the_catalogue_still_says_something() -> None:
    assert render("no.such_key", {"id": 3}, "zh") == "no.such_key (id=3)"


def test_an_error_survives_pickling_with_its_key() -> None:
    import pickle

    exc = pickle.loads(pickle.dumps(InvalidInput("--at", "timeutil.no_such_date", text="x")))
    assert (exc.key, exc.field, exc.params) == ("timeutil.no_such_date", "--at", {"text": "x"})
    assert exc.render("zh") == "--at：没有日期 “x”"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_a_moment_reads_to_the_minute_and_midnight_as_24_00(naive: datetime) -> None:
    moment = naive.replace(tzinfo=TZ)
    shown = render("timeutil.is_in_the_future_a_step", {"moment": moment}, "en").split(" is ")[0]
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        assert shown == f"{moment - timedelta(days=1):%Y-%m-%d} 24:00"
    else:
        assert shown == f"{moment:%Y-%m-%d %H:%M}"


# -- through the command line ----------------------------------------------------------------


def _err(result) -> str:  # type: ignore[no-untyped-def]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


@pytest.mark.backends
def test_invalid_input_in_chinese_and_english(run, db) -> None:  # type: ignore[no-untyped-def]
    args = ["register", "--channel", "电话", "--name", "张三", "--unit", "3-1-502"]
    args += ["--phone", "13812345678", "--description", "漏水", "--severity", "huge"]
    zh_result = run(*args)
    assert zh_result.exit_code == 2
    assert _err(zh_result) == "complaintctl：--severity：未知的值 “huge”（可选：轻微、中度、重大）"
    en_result = run("--lang", "en", *args)
    assert en_result.exit_code == 2
    assert _err(en_result) == (
        "complaintctl: --severity: unknown value 'huge' (accepted: minor, moderate, major)"
    )
    assert (isinstance(db, Path) and not db.exists()) or run.json("list") == []


@pytest.mark.backends
def test_closing_twice_is_refused_in_both_languages(run, register, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cid = register()
    run.ok("close", str(cid), "--resolution", "已更换灯泡", "--satisfied")
    result = run("close", str(cid), "--resolution", "再关一次")
    assert result.exit_code == 1
    assert _err(result) == f"complaintctl：不能关闭 #{cid}：已关闭；现在可以：复议"
    monkeypatch.setenv("COMPLAINTCTL_LANG", "en")
    result = run("close", str(cid), "--resolution", "again")
    assert _err(result) == f"complaintctl: cannot close #{cid}: it is closed; allowed now: reopen"


@pytest.mark.parametrize(
    ("args", "zh_line", "en_line"),
    [
        (
            ["close", "1", "--bogus"],
            "complaintctl close：没有选项 --bogus",
            "complaintctl close: No such option: --bogus",
        ),
        (
            ["close", "1", "--resolutoin", "x"],
            "complaintctl close：没有选项 --resolutoin（可能是：--resolution）",
            "complaintctl close: No such option: --resolutoin (Possible options: --resolution)",
        ),
        (
            ["show"],
            "complaintctl show：缺少参数 'ID...'",
            "complaintctl show: Missing argument 'ID...'.",
        ),
        (
            ["list", "--limit", "x"],
            "complaintctl list：'--limit' 的值无效：“x” 不是有效的整数",
            "complaintctl list: Invalid value for '--limit': 'x' is not a valid integer.",
        ),
        (
            ["closr", "1"],
            "complaintctl：没有命令 “closr”；是否要用 'close'？",
            "complaintctl: No such command 'closr'. Did you mean 'close'?",
        ),
        (
            ["re", "1"],
            "complaintctl：“re” 有歧义：可能是 register、reopen、report",
            "complaintctl: 're' is ambiguous: could be register, reopen, report",
        ),
        (
            ["close", "1", "--by"],
            "complaintctl：选项 “--by” 需要一个值",
            "complaintctl: Option '--by' requires an argument.",
        ),
        (
            ["verify", "extra"],
            "complaintctl verify：多余的参数（extra）",
            "complaintctl verify: Got unexpected extra argument(s) (extra)",
        ),
    ],
)
def test_click_usage_errors_in_both_languages(run, args, zh_line, en_line) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2
    assert _err(result) == zh_line
    result = run("--lang", "en", *args)
    assert result.exit_code == 2
    assert _err(result) == en_line


def test_an_unknown_language_is_refused_naming_the_accepted_ones(run) -> None:  # type: ignore[no-untyped-def]
    result = run("--lang", "fr", "list")
    assert result.exit_code == 2
    assert _err(result) == "complaintctl：--lang：未知的值 “fr”（可选：zh、en）"


def test_verify_and_backup_in_both_languages(run, register, tmp_path) -> None:  # type: ignore[no-untyped-def]
    register()
    out = run.ok("verify")
    assert re.fullmatch(r"校验通过：1 条事件，1 件投诉，链头 [0-9a-f]{16}\n", out), out
    out = run.ok("--lang", "en", "verify")
    assert re.fullmatch(r"ok: 1 events, 1 complaints, chain head [0-9a-f]{16}\n", out), out
    dest = tmp_path / "copy.db"
    out = run.ok("backup", str(dest))
    assert out.startswith(f"备份已写入 {dest}；校验通过：1 条事件，1 件投诉，链头 ")
    result = run("backup", str(dest))
    assert result.exit_code == 2
    assert _err(result) == f"complaintctl：DEST：{dest} 已存在；加 --force 可替换"
    result = run("--lang", "en", "backup", str(dest))
    assert _err(result) == f"complaintctl: DEST: {dest} exists; pass --force to replace it"


# -- --help ----------------------------------------------------------------------------------


def _command_paths() -> list[list[str]]:
    import typer.main

    from complaintctl.cli.app import app

    paths: list[list[str]] = []

    def walk(command, path):  # type: ignore[no-untyped-def]
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_every_command_has_help_and_an_example_in_both_languages() -> None:
    paths = _command_paths()
    assert len(paths) > 30
    for path in paths:
        key = ".".join(path) or "root"
        for catalogue in (zh.MESSAGES, en.MESSAGES):
            assert f"help.{key}" in catalogue, key
            assert catalogue.get(f"help.{key}.examples", "").startswith("complaintctl"), key


def test_help_text_lives_only_in_the_catalogue() -> None:
    """No command, group, option or argument carries its own help text (a docstring, a
    ``help=``): cli/helptext.py sets every one from help.* / option.* in both languages, so
    English help is written once, in en.py (issue 15)."""
    import typer.main

    from complaintctl.cli import helptext
    from complaintctl.cli.app import app

    def source(owner, attribute):  # type: ignore[no-untyped-def]
        return owner.__dict__.get(helptext._SOURCE, {}).get(attribute, getattr(owner, attribute))

    in_code = []

    def walk(command, path):  # type: ignore[no-untyped-def]
        key = ".".join(path) or "root"
        if source(command, "help"):
            in_code.append(f"help.{key}")
        for param in command.params:
            typers_own = param.name in ("install_completion", "show_completion")
            if (
                not typers_own
                and getattr(param, "help", None) is not None
                and source(param, "help")
            ):
                in_code.append(f"option.{key}.{param.name}")
            elif hasattr(param, "help"):
                assert f"option.{key}.{param.name}" in en.MESSAGES or (
                    f"option.{param.name}" in en.MESSAGES
                ), (key, param.name)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    assert in_code == []


def test_no_help_keyword_with_text_in_the_code() -> None:
    """The same, read from the source: a ``help=`` with words in cli/ fails (a command not
    reached by the walk above, or one added later)."""
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in ("Option", "Argument", "Typer"):
                for kw in node.keywords:
                    if kw.arg in ("help", "short_help", "epilog") and _words([kw.value]):
                        found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_every_example_parses() -> None:
    """Each example of --help is a command line the CLI accepts (its options exist and take
    the values given)."""
    import shlex

    import typer.main

    from complaintctl.cli.app import app

    root = typer.main.get_command(app)
    for key, value in zh.MESSAGES.items():
        if not key.endswith(".examples"):
            continue
        for example in value.replace("\\\n", " ").split("\n"):
            words = shlex.split(example.split(" > ")[0])  # not the shell's redirection
            words = [w for w in words if w != "..."][1:]
            if words[:2] == ["--lang", "en"]:
                words = words[2:]
            command, args = root, words
            while args and hasattr(command, "commands") and args[0] in command.commands:
                command, args = command.commands[args[0]], args[1:]
            if args or command is not root:
                command.make_context(command.name, list(args))  # raises on a bad option


def test_help_in_chinese_by_default_and_english_under_lang_en(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    out = run.ok("close", "--help")
    assert out.startswith("用法：complaintctl close [OPTIONS] {ID}\n\n")
    assert "  填写处理结果并办结（反馈）" in out
    assert "  示例：\n\n    complaintctl close 3 --resolution 已更换灯泡\n" in out
    assert "\n选项：\n" in out and "  --resolution <str>           处理结果。 [必填]\n" in out
    assert "显示本帮助并退出。" in out
    from rich.cells import cell_len

    assert max(cell_len(line) for line in out.splitlines()) <= 80
    english = run.ok("--lang", "en", "close", "--help")
    assert english.startswith(
        "Usage: complaintctl close [OPTIONS] {ID}\n\n  Close with a resolution"
    )
    assert "  Examples:\n\n    complaintctl close 3 --resolution 已更换灯泡\n" in english
    assert "  --resolution <str>           What was done (处理结果).  [required]\n" in english
    monkeypatch.setenv("COMPLAINTCTL_LANG", "en")
    assert run.ok("close", "--help") == english
    monkeypatch.delenv("COMPLAINTCTL_LANG")
    assert run.ok("close", "--help") == out  # the same process, back in Chinese


def test_root_help_lists_commands_in_the_language(run) -> None:  # type: ignore[no-untyped-def]
    out = run.ok("--help")
    assert "\n命令：\n" in out
    assert "  close           填写处理结果并办结（反馈）；" in out
    assert "  calendar        工作日、放假通知和时限（工作日历）\n" in out
    out = run.ok("calendar", "--help")
    assert "  status     官方、本地和暂定的年份\n" in out
    english = run.ok("--lang", "en", "calendar", "--help")
    assert "  status     Official, local and provisional years.\n" in english


def test_every_chinese_help_fits_80_columns(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A Chinese character takes two columns: the help is wrapped by display width."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    for path in _command_paths():
        out = run.ok(*path, "--help")
        assert max(cell_len(line) for line in out.splitlines()) <= 80, path
        assert "示例：" in out, path
