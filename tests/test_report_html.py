"""The HTML report (issue 18) in a real headless Chromium (Debian package ``chromium``): it loads
with no console message, fetches nothing, every figure on it equals ``report --json``, it
prints on A4, and a screenshot is written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_report import AS_OF, MONTH, built, month

from complaintctl.reports.figures import FIELDS, LEVEL_FIELDS, NOT_JUDGED_FIELDS, OTHER_MILESTONES

pytestmark = pytest.mark.backends

__all__ = ["built", "month"]  # the worked example of docs/report.md, as fixtures

TREND = ("report", "--months", "6", "--month", "2026-03", "--as-of", AS_OF)


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium not found: install the Debian package chromium", pytrace=False)
    return found


def browse(page: Path, *flags: str) -> tuple[str, list[str]]:
    """Load ``page`` in headless Chromium: its DOM after loading and the console messages."""
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            *flags,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


class Figures(HTMLParser):
    """Every element with ``data-figure``: (path, JSON value, text shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, Any, str]] = []
        self.open: list[tuple[str, str, Any, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-figure" in a:
            self.open.append((tag, a["data-figure"] or "", json.loads(a["data-value"] or ""), []))

    def handle_data(self, data: str) -> None:
        for *_, text in self.open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            _, path, value, text = self.open.pop()
            self.found.append((path, value, "".join(text)))


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key.endswith("_rate") or key == "share":
        return f"{value:.1f}%"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


@pytest.fixture
def page(run, month, tmp_path) -> tuple[dict[str, Any], Path]:
    data = run.json(*MONTH, "--by", "department", "--by", "severity")
    data["trend"] = run.json(*TREND)["months"]
    path = tmp_path / "report.html"
    out = run.ok(*MONTH, "--by", "severity", "--format", "html", "-o", str(path))
    assert out == f"已写入 {path}\n"
    return data, path


def test_every_figure_on_the_page_equals_the_json(page):
    data, path = page
    dom, console = browse(path, "--dump-dom")
    assert console == []
    parser = Figures()
    parser.feed(dom)
    assert len(parser.found) > 200
    for where, value, text in parser.found:
        key = where.rsplit(".", 1)[-1]
        assert value == _at(data, where), where
        assert text == _shown(key, value), where
    paths = {where for where, _, _ in parser.found}
    # every figure of the summary (the five 回访 levels only once a 回访 used them)
    # (and the not-judged counts only when one is not zero, issue 16)
    assert set(FIELDS) - set(LEVEL_FIELDS) - set(NOT_JUDGED_FIELDS) <= paths
    assert not set(LEVEL_FIELDS) & paths and not set(NOT_JUDGED_FIELDS) & paths
    for dim in ("department", "severity"):
        for i, _ in enumerate(data["breakdowns"][dim]):
            assert f"breakdowns.{dim}.{i}.timely_rate" in paths
    for i in range(6):
        assert {f"trend.{i}.timely_rate", f"trend.{i}.satisfaction_rate"} <= paths
    # the charts: 及时率 by department, each milestone's on-time rate, the trend
    svg = dom[dom.index("<svg") :]
    for i, d in enumerate(data["breakdowns"]["department"]):
        assert f'data-figure="breakdowns.department.{i}.timely_rate"' in svg
        assert d["label"] in svg
    for m in OTHER_MILESTONES:
        assert f'data-figure="{m}_rate"' in svg
    assert 'data-figure="trend.5.timely_rate" data-value="66.7">66.7%</text>' in svg
    assert "<title>投诉处理月度报表 2026-03</title>" in dom and "统计截至：2026-04-10 12:00" in dom


def test_the_page_is_self_contained(page):
    _, path = page
    source = path.read_text(encoding="utf-8")
    assert "<script" not in source
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", source)
    assert set(re.findall(r"https?://[^\s\"'<>]+", source)) == {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in source  # anything fetched would be blocked and logged


def test_a_console_message_would_be_seen(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<script>console.error("boom")</script><img src="http://example.invalid/x">')
    _, console = browse(bad, "--dump-dom")
    assert any('"boom"' in line for line in console)


def test_it_prints_on_a4_and_a_screenshot_is_written(page, tmp_path):
    _, path = page
    pdf = tmp_path / "report.pdf"
    browse(path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    raw = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", raw)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    assert 1 <= len(boxes) <= 4  # pages
    shot = tmp_path / "report.png"
    _, console = browse(path, "--hide-scrollbars", "--window-size=900,1200", f"--screenshot={shot}")
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_english_page(run, month, tmp_path):
    path = tmp_path / "report.html"
    assert run.ok("--lang", "en", *MONTH, "-o", str(path)) == f"written {path}\n"
    dom, console = browse(path, "--dump-dom")
    assert console == []
    assert '<html lang="en">' in dom and "Monthly complaint report 2026-03" in dom
    assert "Period: 2026-03-01 – 2026-03-31 · As of: 2026-04-10 12:00" in dom
    assert "Timely rate by department" in dom and "Respond" in dom
    labels = re.findall(r"<h[12]>(.*?)</h[12]>|<thead>(.*?)</thead>", dom)
    assert len(labels) > 10
    assert not re.search(r"[\u4e00-\u9fff]", str(labels))  # values (部门 names) stay as they are


def test_the_page_shows_each_figure_against_its_target(run, month, tmp_path):
    from test_report_targets import TARGETS, load

    load(run, tmp_path, TARGETS)
    data = run.json(*MONTH, "--by", "department")
    path = tmp_path / "report.html"
    run.ok(*MONTH, "-o", str(path))
    dom, console = browse(path, "--dump-dom")
    assert console == []
    parser = Figures()
    parser.feed(dom)
    judged = [(w, v) for w, v, _ in parser.found if w.startswith("targets.")]
    assert len(judged) == 4 * 2 + 3  # value and target of each figure, each grade's threshold
    for where, value in judged:
        assert value == _at(data, where), where
    assert '<div class="grade">等级：三级</div>' in dom
    assert dom.count('<td class="missed">未达标</td>') == 2
    assert dom.count('<td class="met">达标</td>') == 2
    assert 'class="target">目标 95.0%</text>' in dom  # the line across 及时率 by department
    # each milestone's own target over its bar: 首次联系 70 %, 处理完成 (及时率) 95 %
    marks = re.findall(r'class="target"><title>([\d.]+%)</title>', dom)
    assert marks == ["70.0%", "95.0%"]
