"""Times in Asia/Shanghai.

China has kept UTC+08:00 without daylight saving since 1991, so a fixed offset is exact for
every date this ledger can hold and costs nothing to load (no tz database needed).  Instants are
stored as integer Unix seconds; everything shown to people is local time.
"""

from __future__ import annotations

import re
import time as _time
from datetime import date, datetime, timedelta, timezone

from complaintctl.domain.errors import InvalidInput

OFFSET = 8 * 3600  # seconds east of UTC: local day n runs from n * 86400 - OFFSET
CST = timezone(timedelta(seconds=OFFSET), "Asia/Shanghai")
EARLIEST = datetime(1992, 1, 1, tzinfo=CST)
# The last year a date may name: a day after it (a period's end, a deadline) must still exist.
LAST_YEAR = 9998

_OFFICE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?)?\s*$"
)


def now() -> datetime:
    """The current instant in Asia/Shanghai (whole seconds)."""
    return datetime.fromtimestamp(int(_time.time()), CST)


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, CST)


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def parse_time(text: str, field: str = "--at") -> datetime:
    """Parse ISO 8601 or the office formats Chinese registers use.

    ``2026-11-22T14:30``, ``2026-11-22 14:30:05+08:00``, ``2026/11/22 14:30``,
    ``2026年11月22日 14:30``, ``2026-11-22`` (midnight).  A time without an offset is local.
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput(field, "timeutil.empty_time_use_e_g")
    moment: datetime | None = None
    match = _OFFICE.match(raw)
    try:
        if match:
            y, mo, d, h, mi, s = match.groups()
            moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput(field, "timeutil.cannot_read_time_use_e_g", raw=raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST)
    try:
        moment = moment.astimezone(CST).replace(microsecond=0)
    except OverflowError:
        raise InvalidInput(field, "timeutil.time_is_out_of_range", raw=raw) from None
    if moment < EARLIEST:
        raise InvalidInput(field, "timeutil.time_is_before", raw=raw)
    return moment


def parse_date(text: str, field: str) -> date:
    """A calendar date (``2026-03-05``, ``2026/3/5``, ``2026年3月5日``)."""
    match = _OFFICE.match(text.strip())
    if not match or match.group(4) is not None:
        raise InvalidInput(field, "timeutil.cannot_read_date_use_e_g", text=text)
    y, mo, d = (int(g) for g in match.groups()[:3])
    if y > LAST_YEAR:
        raise InvalidInput(
            field, "timeutil.is_past_the_last_year_complaintctl", text=text, last_year=LAST_YEAR
        )
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise InvalidInput(field, "timeutil.no_such_date", text=text) from exc


def not_future(moment: datetime, reference: datetime, field: str = "--at") -> datetime:
    """Refuse a time after ``reference`` (one minute of clock skew between terminals allowed)."""
    if moment > reference + timedelta(minutes=1):
        raise InvalidInput(field, "timeutil.is_in_the_future_a_step", moment=moment)
    return moment


def iso(moment: datetime) -> str:
    """ISO 8601 with the +08:00 offset, as JSON carries it."""
    return moment.astimezone(CST).isoformat(timespec="seconds")


def local(moment: datetime) -> str:
    """What people see: ``2026-03-03 14:30``."""
    return f"{moment.astimezone(CST):%Y-%m-%d %H:%M}"


def local_due(moment: datetime) -> str:
    """A deadline as people read it: one at midnight reads ``2026-03-03 24:00``, the end of
    that day, as 民法典 art. 203 words it."""
    moment = moment.astimezone(CST)
    if moment.hour == 0 and moment.minute == 0 and moment.second == 0:
        prev = moment - timedelta(days=1)
        return f"{prev:%Y-%m-%d} 24:00"
    return f"{moment:%Y-%m-%d %H:%M}"
