"""The Indonesian working-day calendar the SLA clocks count in.

A day is a working day unless it is a Saturday, a Sunday, a national public holiday or a
cuti bersama (collective leave) day, as the `holidays` package lists them for Indonesia,
or the operator's override file says otherwise. Days are WIB (Asia/Jakarta) calendar days.

The rule for deadlines (`add_working_days`): counting starts at `start` when `start` falls on
a working day, otherwise at 00:00 WIB of the next working day; the deadline is the same WIB
clock time of that anchor, `days` working days later. So a complaint made on Friday 14:00 with
3 working days is due on Wednesday 14:00 (Mon, Tue, Wed), and one made on Saturday is due on
Thursday 00:00 (three whole working days, Mon to Wed). A deadline never lands on a day off.

`working_days_between` is its inverse and fractional: every working day counts as 1.0 spread
over its 24 WIB hours, days off count 0, so
`working_days_between(s, add_working_days(s, n)) == n` for any aware `s`.

The override file (`load_calendar`) is CSV, one day a line: `date, kind, name`, where kind is
`holiday` (a day off, e.g. a regional cuti bersama) or `workday` (a working day, even on a
Saturday, e.g. a shifted working day). `#` starts a comment; an optional `date,kind,name`
header is allowed. An override wins over the weekend and the national calendar.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

WIB = ZoneInfo("Asia/Jakarta")
# "government" adds cuti bersama, the collective leave days set each year by joint decree.
HOLIDAY_CATEGORIES = ("public", "government")
HOLIDAY_LANGUAGE = "en_US"
KINDS = ("holiday", "workday")
_DAY = timedelta(days=1)
_HEADER = ("date", "kind", "name")


class CalendarError(ValueError):
    """The override file is unreadable or a line in it is malformed; the message names the line."""


@dataclass(frozen=True)
class CalendarOverride:
    """One operator decision: `day` is a holiday (working=False) or a working day (working=True)."""

    day: date
    working: bool
    name: str = ""


def national_holidays(year: int) -> Mapping[date, str]:
    """Return Indonesia's public holidays and cuti bersama days of `year`, by date."""
    found = holidays.country_holidays("ID", years=year, categories=HOLIDAY_CATEGORIES, language=HOLIDAY_LANGUAGE)
    return dict(found.items())


class WorkCalendar:
    """Which WIB days are working days; national holidays are looked up per year, once."""

    def __init__(
        self,
        overrides: Iterable[CalendarOverride] = (),
        national: Callable[[int], Mapping[date, str]] = national_holidays,
    ) -> None:
        self._overrides = {o.day: o for o in overrides}
        self._national = national
        self._years: dict[int, Mapping[date, str]] = {}

    def is_working_day(self, day: date) -> bool:
        """Return whether `day` (a WIB calendar day) is a working day."""
        override = self._overrides.get(day)
        if override is not None:
            return override.working
        return day.weekday() < 5 and day not in self._holidays(day.year)

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the holiday on `day`, or None (a plain weekend has no name)."""
        override = self._overrides.get(day)
        if override is not None:
            return None if override.working else override.name or "Local holiday"
        return self._holidays(day.year).get(day)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the deadline `days` working days after `start`, in UTC (see the module rule)."""
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        anchor = self._anchor(_wib(start))
        day = anchor.date()
        for _ in range(days):
            day = self.next_working_day(day + _DAY)
        return datetime.combine(day, anchor.timetz()).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Return the working time from `start` to `end` in working days (negative if end is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        first, last = _wib(start), _wib(end)
        total = timedelta()
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens = datetime.combine(day, time(), WIB)
                total += min(last, opens + _DAY) - max(first, opens)
            day += _DAY
        return total / _DAY

    def next_working_day(self, day: date) -> date:
        """Return `day` if it is a working day, else the first working day after it."""
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += _DAY
        raise CalendarError(f"no working day in the year after {day.isoformat()}: check the override file")

    def _anchor(self, moment: datetime) -> datetime:
        if self.is_working_day(moment.date()):
            return moment
        return datetime.combine(self.next_working_day(moment.date()), time(), WIB)

    def _holidays(self, year: int) -> Mapping[date, str]:
        known = self._years.get(year)
        if known is None:
            known = self._years[year] = self._national(year)
        return known


def start_of_day(day: date) -> datetime:
    """Return 00:00 WIB of `day`, in UTC (where a `--since` day begins)."""
    return datetime.combine(day, time(), WIB).astimezone(UTC)


def load_calendar(override_path: str | None) -> WorkCalendar:
    """Return the working-day calendar with the overrides in `override_path` (None: none)."""
    if override_path is None:
        return WorkCalendar()
    try:
        # utf-8-sig: a spreadsheet saving CSV puts a byte-order mark before the first date.
        text = Path(override_path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"cannot read the holiday override file {override_path}: {exc}") from None
    return WorkCalendar(parse_overrides(text, where=override_path))


def parse_overrides(text: str, where: str = "overrides") -> tuple[CalendarOverride, ...]:
    """Return the overrides written in `text` (the CSV format of the module docstring)."""
    found: dict[date, CalendarOverride] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        fields = [f.strip() for f in next(csv.reader(io.StringIO(content), skipinitialspace=True))]
        if tuple(f.lower() for f in fields[:3]) == _HEADER:
            continue
        override = _override(fields, f"{where}, line {number}")
        if override.day in found:
            raise CalendarError(f"{where}, line {number}: {override.day.isoformat()} is listed twice")
        found[override.day] = override
    return tuple(found.values())


def _override(fields: list[str], where: str) -> CalendarOverride:
    if len(fields) < 2:
        raise CalendarError(f"{where}: expected 'YYYY-MM-DD, holiday|workday, name', got {','.join(fields)!r}")
    try:
        day = date.fromisoformat(fields[0])
    except ValueError:
        raise CalendarError(f"{where}: {fields[0]!r} is not a date like 2026-12-31") from None
    kind = fields[1].lower()
    if kind not in KINDS:
        raise CalendarError(f"{where}: kind must be holiday or workday, not {fields[1]!r}")
    return CalendarOverride(day, working=kind == "workday", name=", ".join(f for f in fields[2:] if f))


def _wib(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(WIB)
