"""The Chinese working-day calendar (工作日历), with 调休 make-up working days.

A :class:`WorkCalendar` answers "is this a working day?" for every day of whole years
``first_year..last_year``.  It is built once from the ``holidays`` package (which encodes the
State Council holiday notices, 国务院办公厅关于放假安排的通知) plus any locally loaded
:class:`Notice`, and is then serialised with :meth:`WorkCalendar.to_dict` so that it can be
cached in the ledger.  :meth:`WorkCalendar.from_dict` restores it without importing
``holidays``, which is why this module imports that package only inside
:func:`build_calendar`.

Every year has a status:

``official``
    the package carries the State Council notice for that year;
``local``
    a notice loaded by the user (:func:`parse_notice`) replaces the package for that year;
``provisional``
    after the last official year and without a local notice: the package's estimate of the
    statutory holidays, without 调休 make-up days.  Deadlines that touch such a year are
    marked provisional.

See docs/calendar.md.
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate, compress
from types import MappingProxyType
from typing import Any, Literal

from complaintctl.domain.errors import CalendarError

__all__ = [
    "DEFAULT_FIRST_YEAR",
    "DEFAULT_LAST_YEAR",
    "MAX_YEAR",
    "MIN_YEAR",
    "Notice",
    "WorkCalendar",
    "YearStatus",
    "build_calendar",
    "in_reach",
    "parse_notice",
]

DEFAULT_FIRST_YEAR = 2000
DEFAULT_LAST_YEAR = 2040
#: The widest range a calendar may cover (the ``holidays`` package knows China 1950..2100).
MIN_YEAR = 1950
MAX_YEAR = 2099

YearStatus = Literal["official", "local", "provisional"]

_FORMAT = 1
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TO_BITS = bytes.maketrans(b"01", b"\x00\x01")
_TO_ASCII = bytes.maketrans(b"\x00\x01", b"01")


# --------------------------------------------------------------------------------------------
# Holiday notices (放假安排通知)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One year's holiday arrangement as published by the General Office of the State Council.

    ``holidays`` holds every day off as ``(date, name)`` in date order; ``workdays`` the
    调休 make-up working days (weekend days that are worked), in date order.
    """

    year: int
    reference: str
    holidays: tuple[tuple[date, str], ...]
    workdays: tuple[date, ...]


def _fail(field: str, message: str) -> CalendarError:
    return CalendarError("calendar.notice", what=field, message=message)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read_date(raw: str, field: str) -> date:
    text = raw.strip()
    parts = text.split("-")
    if len(parts) == 3 and [len(p) for p in parts] == [4, 2, 2] and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise _fail(field, f"cannot read date {raw!r}; use YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")


def _expand(item: object, field: str) -> list[date]:
    """A single date or an inclusive ``FROM..TO`` range, as a list of days."""
    if isinstance(item, date) and not hasattr(item, "hour"):  # a bare TOML date
        return [item]
    if not isinstance(item, str):
        raise _fail(field, f'expected a date string such as "2027-02-07", got {item!r}')
    if ".." not in item:
        return [_read_date(item, field)]
    first_text, _, last_text = item.partition("..")
    first, last = _read_date(first_text, field), _read_date(last_text, field)
    if last < first:
        raise _fail(field, f"range {item!r} ends before it starts")
    return [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]


def in_reach(day: date, year: int) -> bool:
    """True for a day a notice for ``year`` may name: the year itself, December of the year
    before (the 2019 notice set 2018-12-29..31) or January of the year after."""
    return (
        day.year == year
        or (day.year == year - 1 and day.month == 12)
        or (day.year == year + 1 and day.month == 1)
    )


def _date_list(value: object, field: str, year: int) -> list[date]:
    if not isinstance(value, list):
        raise _fail(field, 'must be a list of dates, e.g. ["2027-02-05..2027-02-11"]')
    days: list[date] = []
    for item in value:
        for day in _expand(item, field):
            if not in_reach(day, year):
                raise _fail(
                    field,
                    f"{day.isoformat()} is outside the reach of a {year} notice "
                    f"({year - 1}-12-01..{year + 1}-01-31)",
                )
            days.append(day)
    return days


def parse_notice(text: str) -> Notice:
    """Read a holiday notice written as TOML.

    Format::

        year = 2027                                     # required, the notice's year
        reference = "国办发明电〔2026〕12号"               # required, the document number
        workdays = ["2027-01-31", "2027-02-20"]         # 调休 make-up working days (Sat/Sun)

        [[holidays]]                                    # one table per festival
        name = "春节"
        dates = ["2027-02-05..2027-02-13"]              # single dates or FROM..TO ranges

    Dates are ``YYYY-MM-DD`` strings (TOML dates are accepted too) and must lie in ``year``,
    in December of the year before or in January of the year after, as published notices
    do (the 2019 notice made Saturday 2018-12-29 a working day).  Any problem raises
    :class:`CalendarError` with a one-line message naming the field (``holidays[N]`` counts
    from 1).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError("calendar.notice_toml_syntax_error", exc=_one_line(str(exc))) from None

    unknown = sorted(set(data) - {"year", "reference", "workdays", "holidays"})
    if unknown:
        raise _fail(unknown[0], "unknown key (expected year, reference, workdays, holidays)")

    year = data.get("year")
    if year is None:
        raise _fail("year", "missing; e.g. year = 2027")
    if type(year) is not int:
        raise _fail("year", f"must be a whole number such as 2027, got {year!r}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail("year", f"{year} is outside {MIN_YEAR}..{MAX_YEAR}")

    reference = data.get("reference")
    if reference is None:
        raise _fail("reference", "missing; give the notice's document number")
    if not isinstance(reference, str) or not reference.strip():
        raise _fail("reference", 'must be a non-empty string, e.g. "国办发明电〔2026〕12号"')

    tables = data.get("holidays")
    if tables is None:
        raise _fail("holidays", "missing; add at least one [[holidays]] table")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise _fail("holidays", "must be [[holidays]] tables with name and dates")
    off: dict[date, str] = {}
    for number, table in enumerate(tables, start=1):
        where = f"holidays[{number}]"
        extra = sorted(set(table) - {"name", "dates"})
        if extra:
            raise _fail(f"{where}.{extra[0]}", "unknown key (expected name, dates)")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(f"{where}.name", 'missing or empty; e.g. name = "春节"')
        name = name.strip()
        if "dates" not in table:
            raise _fail(f"{where}.dates", 'missing; e.g. dates = ["2027-02-05..2027-02-11"]')
        days = _date_list(table["dates"], f"{where}.dates", year)
        if not days:
            raise _fail(f"{where}.dates", "is empty")
        for day in days:
            if day in off:
                raise _fail(f"{where}.dates", f"{day.isoformat()} is already listed ({off[day]})")
            off[day] = name

    on = _date_list(data.get("workdays", []), "workdays", year)
    for day in on:
        if day.weekday() < 5:
            raise _fail(
                "workdays",
                f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}; a make-up working day "
                "(调休上班) must be a Saturday or Sunday",
            )
        if day in off:
            raise _fail("workdays", f"{day.isoformat()} is also listed as a holiday ({off[day]})")
    if len(set(on)) != len(on):
        raise _fail("workdays", "a date is listed twice")

    return Notice(
        year=year,
        reference=reference.strip(),
        holidays=tuple(sorted(off.items())),
        workdays=tuple(sorted(on)),
    )


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


def _check_years(first_year: int, last_year: int) -> None:
    if type(first_year) is not int or type(last_year) is not int:
        raise CalendarError(
            "calendar.calendar_years_must_be_whole_numbers",
            first_year=first_year,
            last_year=last_year,
        )
    if not MIN_YEAR <= first_year <= last_year <= MAX_YEAR:
        raise CalendarError(
            "calendar.calendar_years_must_be_increasing_and",
            first_year=first_year,
            last_year=last_year,
            min_year=MIN_YEAR,
            max_year=MAX_YEAR,
        )


class WorkCalendar:
    """Working days for the whole years ``first_year..last_year`` (inclusive).

    Built from one byte per day (1 = working day, 0 = rest day or holiday) starting on
    1 January of ``first_year``, plus the holiday names.  Lookups are O(1): a cumulative count
    of working days per day and the sorted ordinals of all working days are precomputed once.
    Dates outside the covered years raise :class:`CalendarError`.
    """

    __slots__ = (
        "_base",
        "_bits",
        "_cum",
        "_last",
        "_names",
        "_ords",
        "_prov_ends",
        "_prov_starts",
        "first_year",
        "last_official_year",
        "last_year",
        "local_years",
        "references",
        "source",
    )

    first_year: int
    last_year: int
    last_official_year: int
    local_years: frozenset[int]
    references: Mapping[int, str]
    source: str

    def __init__(
        self,
        first_year: int,
        last_year: int,
        working: bytes | bytearray | Sequence[bool],
        holiday_names: Mapping[date, str] | None = None,
        *,
        last_official_year: int,
        local_years: Iterable[int] = (),
        references: Mapping[int, str] | None = None,
        source: str = "",
    ) -> None:
        _check_years(first_year, last_year)
        base = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        bits = (
            bytes(working)
            if isinstance(working, bytes | bytearray)
            else bytes(1 if flag else 0 for flag in working)
        )
        if len(bits) != last - base + 1:
            raise CalendarError(
                "calendar.calendar_needs_days_got",
                first_year=first_year,
                last_year=last_year,
                value=last - base + 1,
                count=len(bits),
            )
        if bits.translate(None, b"\x00\x01"):
            raise CalendarError("calendar.calendar_day_flags_must_be_or")
        self.first_year = first_year
        self.last_year = last_year
        self.last_official_year = last_official_year
        self.local_years = frozenset(local_years)
        self.references = MappingProxyType(dict(references or {}))
        self.source = source
        self._base = base
        self._last = last
        self._bits = bits
        self._cum = list(accumulate(bits))
        self._ords = list(compress(range(base, last + 1), bits))
        names: dict[int, str] = {}
        for day, name in (holiday_names or {}).items():
            if base <= day.toordinal() <= last:
                names[day.toordinal()] = name
        self._names = names
        # Provisional years merged into runs of ordinals [start, end] for a bisect test.
        starts: list[int] = []
        ends: list[int] = []
        for year in range(first_year, last_year + 1):
            if self.is_provisional_year(year):
                jan1, dec31 = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
                if ends and ends[-1] == jan1 - 1:
                    ends[-1] = dec31
                else:
                    starts.append(jan1)
                    ends.append(dec31)
        self._prov_starts = starts
        self._prov_ends = ends

    # -- lookups -------------------------------------------------------------------------

    def _range_error(self, what: str) -> CalendarError:
        return CalendarError(
            "calendar.is_outside_the_working_day_calendar",
            what=what,
            first_year=self.first_year,
            last_year=self.last_year,
        )

    def _offset(self, d: date) -> int:
        offset = d.toordinal() - self._base
        if offset < 0 or d.toordinal() > self._last:
            raise self._range_error(d.isoformat())
        return offset

    def is_working_day(self, d: date) -> bool:
        """True on a working day (a weekday that is not a holiday, or a 调休 make-up day)."""
        return self._bits[self._offset(d)] == 1

    def is_makeup_workday(self, d: date) -> bool:
        """True on a Saturday or Sunday that is worked (调休上班)."""
        return self._bits[self._offset(d)] == 1 and d.weekday() >= 5

    def holiday_name(self, d: date) -> str | None:
        """The name of the holiday on ``d`` (``春节``, ``休息日（由 ... 调休）``), or None."""
        return self._names.get(self._base + self._offset(d))

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day strictly after ``d``; ``d`` itself when ``n == 0``.

        A negative ``n`` counts back: the ``-n``-th working day strictly before ``d``.
        """
        offset = self._offset(d)
        if n == 0:
            return d
        # Working days up to d (inclusive) for a forward count, strictly before d for a backward.
        before = self._cum[offset] - (0 if n > 0 else self._bits[offset])
        index = before + n - (1 if n > 0 else 0)
        if not 0 <= index < len(self._ords):
            raise self._range_error(f"{d.isoformat()} {n:+d} working days")
        return date.fromordinal(self._ords[index])

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; the negative count of ``(b, a]`` when ``b < a``."""
        return self._cum[self._offset(b)] - self._cum[self._offset(a)]

    # -- ordinal fast paths used by complaintctl.time.deadlines ----------------------------------

    def _nth_after(self, ordinal: int, n: int) -> int:
        """Ordinal of the n-th (n >= 1) working day strictly after the day ``ordinal``."""
        offset = ordinal - self._base
        if offset < 0 or ordinal > self._last:
            raise self._range_error(date.fromordinal(ordinal).isoformat())
        index = self._cum[offset] + n - 1
        if index >= len(self._ords):
            raise self._range_error(
                f"{n} working days after {date.fromordinal(ordinal).isoformat()}"
            )
        return self._ords[index]

    def _on_or_after(self, ordinal: int) -> int:
        """Ordinal of the first working day on or after the day ``ordinal``."""
        offset = ordinal - self._base
        if offset < 0 or ordinal > self._last:
            raise self._range_error(date.fromordinal(ordinal).isoformat())
        if self._bits[offset]:
            return ordinal
        index = self._cum[offset]
        if index >= len(self._ords):
            raise self._range_error(f"the working day after {date.fromordinal(ordinal)}")
        return self._ords[index]

    def _touches_provisional(self, after: int, until: int) -> bool:
        """True if a day in ``(after, until]`` (ordinals) lies in a provisional year."""
        i = bisect_left(self._prov_ends, after + 1)
        return i < len(self._prov_starts) and self._prov_starts[i] <= until

    # -- year status -----------------------------------------------------------------------

    def _check_year(self, year: int) -> None:
        if not self.first_year <= year <= self.last_year:
            raise CalendarError(
                "calendar.year_is_outside_the_working_day",
                year=year,
                first_year=self.first_year,
                last_year=self.last_year,
            )

    def is_provisional_year(self, year: int) -> bool:
        """True for a year after the last official one that has no local notice."""
        self._check_year(year)
        return year > self.last_official_year and year not in self.local_years

    def year_status(self, year: int) -> YearStatus:
        """``local`` (a loaded notice), ``official`` (the package) or ``provisional``."""
        self._check_year(year)
        if year in self.local_years:
            return "local"
        if year > self.last_official_year:
            return "provisional"
        return "official"

    def changed_span(self, other: WorkCalendar) -> tuple[date, date] | None:
        """The first and last day on which ``other`` differs from this calendar (working or
        not, or whether the day's year is provisional), or None when they agree on every day
        both cover.  A recomputation after a calendar change need only revisit deadlines whose
        period touches this span."""
        first = max(self._base, other._base)
        last = min(self._last, other._last)
        if first > last:
            return None
        mine = self._bits[first - self._base : last - self._base + 1]
        theirs = other._bits[first - other._base : last - other._base + 1]
        changed = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
        low = date.fromordinal(first + changed[0]) if changed else None
        high = date.fromordinal(first + changed[-1]) if changed else None
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            if self.is_provisional_year(year) != other.is_provisional_year(year):
                jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
                low = jan1 if low is None else min(low, jan1)
                high = dec31 if high is None else max(high, dec31)
        return None if low is None or high is None else (low, high)

    # -- serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A small JSON-able dict (about 3 kB for 2000..2040) that :meth:`from_dict` reads."""
        packed = b""
        if self._bits:
            value = int(self._bits.translate(_TO_ASCII), 2)
            packed = value.to_bytes((len(self._bits) + 7) // 8, "big")
        return {
            "format": _FORMAT,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "working": base64.b64encode(packed).decode("ascii"),
            "holidays": {
                date.fromordinal(o).isoformat(): name for o, name in sorted(self._names.items())
            },
            "last_official_year": self.last_official_year,
            "local_years": sorted(self.local_years),
            "references": {str(y): ref for y, ref in sorted(self.references.items())},
            "source": self.source,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as :meth:`to_dict` (an import's worker process gets the calendar so)."""
        return (WorkCalendar.from_dict, (self.to_dict(),))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WorkCalendar:
        """Rebuild a calendar from :meth:`to_dict` output (no ``holidays`` import)."""
        try:
            if d.get("format") != _FORMAT:
                raise ValueError(f"unknown format {d.get('format')!r}")
            first_year, last_year = d["first_year"], d["last_year"]
            _check_years(first_year, last_year)
            days = date(last_year, 12, 31).toordinal() - date(first_year, 1, 1).toordinal() + 1
            packed = base64.b64decode(d["working"], validate=True)
            if len(packed) != (days + 7) // 8:
                raise ValueError(f"working-day bitmap has {len(packed)} bytes for {days} days")
            value = int.from_bytes(packed, "big")
            if value.bit_length() > days:
                raise ValueError("working-day bitmap is too long")
            bits = format(value, f"0{days}b").encode("ascii").translate(_TO_BITS)
            names = {date.fromisoformat(k): str(v) for k, v in d["holidays"].items()}
            last_official = d["last_official_year"]
            if type(last_official) is not int:
                raise ValueError("last_official_year is not a whole number")
            local_years = [int(y) for y in d["local_years"]]
            references = {int(y): str(r) for y, r in d["references"].items()}
            source = str(d.get("source", ""))
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            binascii.Error,
            CalendarError,
        ) as exc:
            raise CalendarError(
                "calendar.the_cached_working_day_calendar_is", exc=_one_line(str(exc))
            ) from None
        return cls(
            first_year,
            last_year,
            bits,
            names,
            last_official_year=last_official,
            local_years=local_years,
            references=references,
            source=source,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return (
            self.first_year == other.first_year
            and self.last_year == other.last_year
            and self._bits == other._bits
            and self._names == other._names
            and self.last_official_year == other.last_official_year
            and self.local_years == other.local_years
            and dict(self.references) == dict(other.references)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        local = ", ".join(str(y) for y in sorted(self.local_years)) or "none"
        return (
            f"<WorkCalendar {self.first_year}..{self.last_year}, official through "
            f"{self.last_official_year}, local: {local}>"
        )


# --------------------------------------------------------------------------------------------
# Building from the holidays package
# --------------------------------------------------------------------------------------------


def _last_official_year(package_calendar: Any, first_year: int) -> int:
    """The last year whose State Council notice the ``holidays`` package carries."""
    try:
        from holidays.countries.china import (
            ChinaStaticHolidays,  # start-up: 100 ms, cold cache only
        )

        years = [y for y in ChinaStaticHolidays.special_public_holidays if isinstance(y, int)]
        if years:
            return max(years)
    except (ImportError, AttributeError, TypeError):
        pass
    # Fallback: only years with an encoded notice have 调休 make-up working days.
    made_up: list[int] = [d.year for d in getattr(package_calendar, "weekend_workdays", ())]
    if made_up:
        return max(made_up)
    return first_year - 1  # nothing confirmed: every year is provisional


def _neighbour(day: date, year: int, by_year: Mapping[int, Notice]) -> bool:
    """True for a day of another year that the notice for ``year`` decides: December of the
    year before always (this notice was published after that year's); January of the year
    after only while that year has no notice of its own (which was published later)."""
    if day.year == year:
        return False
    return day.year < year or day.year not in by_year


def build_calendar(
    first_year: int = DEFAULT_FIRST_YEAR,
    last_year: int = DEFAULT_LAST_YEAR,
    notices: Sequence[Notice] = (),
) -> WorkCalendar:
    """Build the calendar from the ``holidays`` package, overridden year by year by notices.

    Package years follow ``holidays.China.is_working_day``: weekends off, statutory holidays
    off, the package's ``weekend_workdays`` on.  A notice for year Y replaces the package for
    all of Y: a day is worked if it is a weekday not among the notice's holidays, or one of
    its make-up workdays.  The days it names in December Y-1 then override those single
    days, whatever decided the rest of that year (a notice published later knows better);
    the days it names in January Y+1 too, unless Y+1 has a notice of its own.  If two
    notices share a year, the later one wins.
    """
    _check_years(first_year, last_year)
    by_year: dict[int, Notice] = {}
    for notice in notices:
        if not first_year <= notice.year <= last_year:
            raise CalendarError(
                "calendar.notice_for_is_outside_the_calendar",
                year=notice.year,
                first_year=first_year,
                last_year=last_year,
            )
        by_year[notice.year] = notice

    # Lazy: importing holidays costs ~0.1 s and is only needed when (re)building.
    import holidays  # start-up: 100 ms, only when the cache in the ledger is cold
    from holidays.utils import country_holidays

    # holidays.China; one extra year because a notice may put make-up days in late December
    # of the year before it.
    package = country_holidays("CN", years=range(first_year, last_year + 2), language="zh_CN")
    made_up: set[date] = set(package.weekend_workdays)
    off: dict[date, str] = dict(package.items())

    base = date(first_year, 1, 1).toordinal()
    last = date(last_year, 12, 31).toordinal()
    bits = bytearray(last - base + 1)
    names: dict[date, str] = {}
    for ordinal in range(base, last + 1):
        day = date.fromordinal(ordinal)
        if day.year in by_year:
            continue
        name = off.get(day)
        if name is not None:
            names[day] = name
        working = day in made_up if day.weekday() >= 5 else name is None
        bits[ordinal - base] = working
    for year, notice in by_year.items():
        notice_off = dict(notice.holidays)
        notice_on = set(notice.workdays)
        for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            working = (day.weekday() < 5 and day not in notice_off) or day in notice_on
            bits[ordinal - base] = working
        names.update((d, n) for d, n in notice_off.items() if d.year == year)
    for _year, notice in sorted(by_year.items()):  # neighbours' days, in publication order
        for day, name in notice.holidays:
            if _neighbour(day, notice.year, by_year) and base <= day.toordinal() <= last:
                bits[day.toordinal() - base] = 0
                names[day] = name
        for day in notice.workdays:
            if _neighbour(day, notice.year, by_year) and base <= day.toordinal() <= last:
                bits[day.toordinal() - base] = 1
                names.pop(day, None)

    version = getattr(holidays, "__version__", "?")
    return WorkCalendar(
        first_year,
        last_year,
        bytes(bits),
        names,
        last_official_year=_last_official_year(package, first_year),
        local_years=by_year,
        references={year: n.reference for year, n in by_year.items()},
        source=f"holidays {version}",
    )
