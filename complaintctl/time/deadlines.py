"""Durations and deadline arithmetic (pure; no I/O, no clock).

Clock durations (``m``, ``h``) run 24x7: the hotline never closes.  Day durations follow the
Civil Code (民法典):

* art. 201: the day the period starts (the day of receipt) is not counted;
* art. 203: if the last day is a statutory holiday or rest day the period ends on the next
  working day; the period ends at 24:00 of its last day, or when business stops if there is
  a business closing time (``day_ends_at``).

``wd`` counts working days on the :class:`~complaintctl.time.calendar.WorkCalendar`; ``d`` counts
calendar days and then applies art. 203.  A deadline is *provisional* when a day between the
start (exclusive) and the deadline (inclusive) lies in a provisional calendar year.

A deadline at 24:00 is returned as 00:00 of the next day (``timeutil.local_due`` prints it
back as ``24:00``).  All results are aware datetimes in CST (Asia/Shanghai); a naive input is
taken to be local time.  See docs/calendar.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Literal, get_args

from complaintctl.domain.errors import InvalidInput
from complaintctl.domain.timeutil import CST
from complaintctl.time.calendar import WorkCalendar

__all__ = [
    "ACCEPTED_DURATIONS",
    "MAX_AMOUNT",
    "UNITS",
    "Duration",
    "Unit",
    "due_at",
    "extend",
    "parse_duration",
    "warning_start",
]

Unit = Literal["m", "h", "d", "wd"]
UNITS: Final[tuple[str, ...]] = get_args(Unit)
ACCEPTED_DURATIONS: Final[tuple[str, ...]] = ("15m", "2h", "7d", "3wd")
#: Largest amount accepted by parse_duration (about 1.9 years in minutes).
MAX_AMOUNT: Final = 1_000_000

_DURATION = re.compile(r"^\s*([+-]?\d+)\s*(wd|m|h|d)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    """An amount of minutes (``m``), hours (``h``), calendar days (``d``) or working days
    (``wd``).  ``str(Duration(3, "wd")) == "3wd"``."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}")
        if type(self.amount) is not int or not 1 <= self.amount <= MAX_AMOUNT:
            raise ValueError(
                f"duration amount must be an int in 1..{MAX_AMOUNT}, got {self.amount!r}"
            )

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_clock(self) -> bool:
        """True for minutes and hours, which run around the clock."""
        return self.unit == "m" or self.unit == "h"

    @property
    def seconds(self) -> int:
        """The length of a clock duration; working and calendar days have none of their own."""
        if not self.is_clock:
            raise ValueError(f"{self} is counted on the calendar, not in seconds")
        return self.amount * (60 if self.unit == "m" else 3600)


def parse_duration(text: str, field: str = "duration") -> Duration:
    """Read ``15m``, ``24h``, ``7d``, ``3wd`` (spaces and upper case allowed: ``3 WD``)."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(
            field, "deadlines.cannot_read_duration", accepted=ACCEPTED_DURATIONS, text=text
        )
    amount = int(match.group(1))
    unit = match.group(2).lower()
    if amount < 1:
        raise InvalidInput(
            field,
            "deadlines.duration_must_be_at_least",
            accepted=ACCEPTED_DURATIONS,
            text=text.strip(),
        )
    if amount > MAX_AMOUNT:
        raise InvalidInput(
            field, "deadlines.duration_is_too_long_max", text=text.strip(), most=MAX_AMOUNT
        )
    if unit == "m":
        return Duration(amount, "m")
    if unit == "h":
        return Duration(amount, "h")
    if unit == "d":
        return Duration(amount, "d")
    return Duration(amount, "wd")


def _local(moment: datetime) -> datetime:
    tz = moment.tzinfo
    if tz is CST:
        return moment
    if tz is None:
        return moment.replace(tzinfo=CST)
    return moment.astimezone(CST)


def _clock(moment: datetime, dur: Duration) -> datetime:
    if dur.unit == "h":
        return moment + timedelta(hours=dur.amount)
    return moment + timedelta(minutes=dur.amount)


def _end_of_day(ordinal: int, day_ends_at: time | None) -> datetime:
    """The instant the last day of a period ends: 24:00 (00:00 next day) or day_ends_at."""
    if day_ends_at is None:
        return datetime.combine(date.fromordinal(ordinal + 1), time(), CST)
    if day_ends_at == time() or day_ends_at.tzinfo is not None:
        raise InvalidInput(
            "day_ends_at", "deadlines.must_be_a_local_time_after", date=day_ends_at.isoformat()
        )
    return datetime.combine(date.fromordinal(ordinal), day_ends_at, CST)


def _days(base: int, dur: Duration, cal: WorkCalendar) -> tuple[int, bool]:
    """Last day (ordinal) of a ``wd``/``d`` period whose uncounted first day is ``base``."""
    if dur.unit == "wd":
        last = cal._nth_after(base, dur.amount)
    else:  # "d": art. 201 then art. 203
        last = cal._on_or_after(base + dur.amount)
    return last, cal._touches_provisional(base, last)


def due_at(
    start: datetime, dur: Duration, cal: WorkCalendar, day_ends_at: time | None = None
) -> tuple[datetime, bool]:
    """The deadline for something received at ``start``, and whether it is provisional.

    ``m``/``h``: ``start`` plus the duration, never provisional.  ``wd``: the end of the n-th
    working day after the day of receipt.  ``d``: the end of the n-th calendar day after the
    day of receipt, moved to the next working day if that day is not one.  The end of a day is
    24:00 (returned as 00:00 of the next day) or ``day_ends_at`` on that day if given.
    """
    local = _local(start)
    if dur.unit == "wd":  # the hot path, kept inline
        base = local.toordinal()
        last = cal._nth_after(base, dur.amount)
        provisional = cal._touches_provisional(base, last)
    elif dur.unit == "d":
        base = local.toordinal()
        last, provisional = _days(base, dur, cal)
    else:
        return _clock(local, dur), False
    if day_ends_at is None:
        return datetime.combine(date.fromordinal(last + 1), time(), CST), provisional
    return _end_of_day(last, day_ends_at), provisional


def extend(
    due: datetime, dur: Duration, cal: WorkCalendar, day_ends_at: time | None = None
) -> tuple[datetime, bool]:
    """Move an existing deadline ``due`` later by ``dur``.

    Clock units add to ``due``.  Day units count from the day the current deadline ends: a
    deadline at exactly 00:00 is 24:00 of the previous day, any other deadline belongs to its
    own date; the result ends like :func:`due_at` (24:00 or ``day_ends_at``).
    """
    local = _local(due)
    if dur.is_clock:
        return _clock(local, dur), False
    base = local.toordinal()
    if local.hour == 0 and local.minute == 0 and local.second == 0 and local.microsecond == 0:
        base -= 1
    last, provisional = _days(base, dur, cal)
    return _end_of_day(last, day_ends_at), provisional


def warning_start(start: datetime, due: datetime, fraction: float) -> datetime:
    """The moment the last ``fraction`` (0..1) of the span ``start..due`` begins, to the second.

    E.g. ``fraction=0.25`` for a 4-day span gives ``due`` minus 1 day.
    """
    if not 0.0 <= fraction <= 1.0:
        raise InvalidInput("fraction", "deadlines.must_be_between_and", fraction=fraction)
    lead = round((due - start).total_seconds() * fraction)
    return _local(due) - timedelta(seconds=lead)
