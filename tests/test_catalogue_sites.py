"""The messages of sites (issue 21) from the catalogue (issue 15): Chinese by default, English
under --lang en, the same line from the Typer group and from cli/fast.py, and a complaint of
another site named ``#YG-9`` in both languages (cli/outcome.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from ledgertools import snapshot

from complaintctl.cli import fast
from complaintctl.cli.app import app

pytestmark = pytest.mark.backends

PERSON = ("--name", "张三", "--phone", "13812345678")


def _reg(run, *extra: str, unit: str = "1-101") -> None:  # type: ignore[no-untyped-def]
    run.ok(
        "register", "--channel", "电话", *PERSON, "--unit", unit, "--description", "漏水",
        "--at", "2026-03-02 09:00", *extra,
    )  # fmt: skip


@pytest.fixture
def two(run):  # type: ignore[no-untyped-def]
    """MAIN-1, then the sites YG (YG-1) and HX (HX-1)."""
    _reg(run)
    assert run.ok("site", "add", "YG", "--name", "阳光花园") == "已添加项目 YG：阳光花园\n"
    assert run.ok("--lang", "en", "site", "add", "hx", "--name", "和谐家园") == (
        "site HX added: 和谐家园\n"
    )
    _reg(run, "--site", "YG", unit="2-201")
    _reg(run, "--site", "HX", unit="3-301")
    return run


def _both_ways(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The line run by cli/fast.py and by the Typer group: the same exit code and output."""
    fast_code = fast.run(argv)
    assert fast_code is not None, f"{argv} was left to Typer"
    fast_out, fast_err = capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        typer.main.get_command(app).main(argv, prog_name="complaintctl")
    out, err = capsys.readouterr()
    assert (done.value.code, out, err) == (fast_code, fast_out, fast_err)
    return fast_code, fast_out, fast_err


def test_a_missing_complaint_of_a_site_in_both_languages_and_both_ways(two, db, capsys):  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert _both_ways(["show", "HX-9"], capsys) == (
        2, "", f"complaintctl：ID：{db} 中没有 #HX-9\n"
    )  # fmt: skip
    assert _both_ways(["--lang", "en", "show", "YG-9"], capsys) == (
        2, "", f"complaintctl: ID: no complaint #YG-9 in {db}\n"
    )  # fmt: skip
    assert _both_ways(["list", "--site", "ZZ"], capsys) == (
        2, "", "complaintctl：--site：本台账中没有项目 “ZZ”（可选：HX、MAIN、YG）\n"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ("site", "add", "YG", "--name", "别的"),
            "complaintctl：项目 YG 已存在（阳光花园）\n",
            "complaintctl: site YG exists already (阳光花园)\n",
        ),
        (
            ("site", "add", "1X", "--name", "别的"),
            "complaintctl：CODE：“1X” 不是项目代码（一个字母，后跟最多三个字母或数字，如 YG）\n",
            "complaintctl: CODE: '1X' is not a site code (one letter and up to three more "
            "letters or digits, e.g. YG)\n",
        ),
        (
            ("site", "add", "QA", "--name", " "),
            "complaintctl：--name：项目名称为 1 到 100 个可打印字符\n",
            "complaintctl: --name: a site's name is 1 to 100 printable characters\n",
        ),
        (
            ("link", "YG-1", "HX-1", "--at", "2026-03-02 10:00"),
            "complaintctl：OTHER：#HX-1 属于项目 HX，#YG-1 属于项目 YG；重复投诉只能在同一项目内并单\n",
            "complaintctl: OTHER: #HX-1 is of site HX, #YG-1 of YG; duplicates are linked within "
            "one site\n",
        ),
        (
            ("classify", "YG-0", "--severity", "轻微"),
            "complaintctl：ID：“YG-0”：编号为 1 到 999999999\n",
            "complaintctl: ID: 'YG-0': a number is 1 to 999999999\n",
        ),
        (
            ("classify", "Y_1", "--severity", "轻微"),
            "complaintctl：ID：“Y_1” 不是投诉编号（123，或带项目代码的 YG-123）\n",
            "complaintctl: ID: 'Y_1' is not a complaint number (123, or YG-123 with its site)\n",
        ),
    ],
)
def test_a_refusal_of_sites_in_both_languages_writes_nothing(two, db, args, zh, en):  # type: ignore[no-untyped-def]
    before = snapshot(db)
    for lang, expected in (("zh", zh), ("en", en)):
        result = two("--lang", lang, *args)
        assert result.exit_code in (1, 2)
        assert (result.stdout, result.stderr) == ("", expected)
    assert snapshot(db) == before


def test_the_confirmations_of_sites_in_both_languages(two, tmp_path: Path):  # type: ignore[no-untyped-def]
    run = two
    assert run.ok("site", "default", "YG") == "默认项目：YG\n"
    assert run.ok("--lang", "en", "site", "default", "HX") == "default site: HX\n"
    policy = tmp_path / "policy.toml"
    policy.write_text(run.ok("policy", "show"), encoding="utf-8")
    out = run.ok("policy", "load", str(policy), "--site", "yg")
    assert out.startswith("已为项目 YG 载入时限政策版本 1：")
    out = run.ok("--lang", "en", "policy", "load", str(policy))
    assert out.startswith("policy version 2 loaded: ")
