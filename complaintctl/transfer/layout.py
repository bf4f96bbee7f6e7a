"""How offices lay out a register around its data (issue 16): title rows above the header, a
header of two rows (a group such as 回访 over its sub-columns 时间, 结果), footer rows below the
data (合计, 注, 制表人, 审核人 …), and the year a sheet or its title names (``2026年3月``,
``2026.03``) for dates written without one.  Plain text in, plain answers out: used by
:mod:`complaintctl.transfer.sheets`.
"""

from __future__ import annotations

import re
import unicodedata

# Footer rows: totals, notes and signatures below the data.  A row is a footer when its first
# filled cell starts with a total word, or is a note / signature word on its own or followed by
# a colon (``制表人：张三``, ``注：``, ``日期：2026年4月1日``).
TOTALS = ("合计", "小计", "总计", "共计")
SIGNS = ("注", "备注", "说明", "制表人", "制表", "填表人", "填表", "审核人", "审核", "负责人",
         "签字", "签名", "日期")  # fmt: skip
_TOTAL = re.compile(rf"^(?:{'|'.join(TOTALS)})")
_SIGN = re.compile(rf"^(?:{'|'.join(SIGNS)})(?:[:：]|\d*[.、:：]|$)")

# Sub-headers too generic to name a field without their group (``处理/时间`` is not the
# receipt's time): read only as ``group+sub`` (``回访/时间`` = 回访时间).
GENERIC_SUBS = ("时间", "日期", "结果", "情况", "内容", "意见", "人", "time", "date")

# A year in a sheet name or a title: 2026年, 2026年3月, 2026.03, 2026-03, 2026/3, or 2026 alone.
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[.\-/]\s*\d{1,2}(?!\d)|$)")


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_footer(texts: list[str]) -> bool:
    """Whether a row, given its filled cells as text (in column order), is a footer row."""
    if not texts:
        return False
    first = _fold(texts[0])
    return bool(_TOTAL.match(first) or _SIGN.match(first))


def year_in(text: str) -> int | None:
    """The year a sheet name or a title names (``2026年3月`` -> 2026), or None."""
    match = _YEAR.search(unicodedata.normalize("NFKC", text).strip())
    return int(match.group(1)) if match else None


def merge_two_rows(top: list[str], sub: list[str]) -> list[str]:
    """A header of two rows as one: a group cell over sub-columns gives ``group/sub`` names
    (the group's merged cells read as blank, so it reaches rightwards over every sub-column
    until the next filled top cell); a top cell with nothing below is a header on its own."""
    width = max(len(top), len(sub))
    top = top + [""] * (width - len(top))
    sub = sub + [""] * (width - len(sub))
    names: list[str] = []
    group = ""
    for upper, lower in zip(top, sub, strict=True):
        if upper:
            group = upper if lower else ""
        elif not lower:
            group = ""
        names.append(f"{group}/{lower}" if group and lower else upper or lower)
    return names
