"""The working-day calendar: weekends, Indonesian holidays and cuti bersama, WIB days, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ingest.workdays import WIB, CalendarError, WorkCalendar, load_calendar, national_holidays, parse_overrides

SHIPPED = Path(__file__).parents[2] / "ingest" / "rules" / "holidays_local.csv"
NATIONAL = WorkCalendar()


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 17), True),  # Tuesday before Nyepi
        (date(2026, 3, 18), False),  # cuti bersama for Nyepi
        (date(2026, 3, 19), False),  # Nyepi
        (date(2026, 3, 20), False),  # cuti bersama for Idul Fitri
        (date(2026, 3, 21), False),  # Idul Fitri, a Saturday
        (date(2026, 3, 23), False),  # cuti bersama, Monday
        (date(2026, 3, 24), False),  # cuti bersama, Tuesday
        (date(2026, 3, 25), True),
        (date(2026, 3, 14), False),  # a plain Saturday
        (date(2026, 3, 15), False),  # a plain Sunday
        (date(2026, 12, 24), False),  # cuti bersama for Christmas
        (date(2026, 12, 25), False),  # Christmas
        (date(2026, 12, 28), True),
        (date(2027, 1, 1), False),  # New Year
    ],
)
def test_weekends_public_holidays_and_cuti_bersama_are_days_off(day, working):
    assert NATIONAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 3, 18), "Day of Silence Joint Holiday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 3, 14), None),  # a weekend is not a holiday
        (date(2026, 3, 17), None),
    ],
)
def test_holiday_name_names_holidays_only(day, name):
    assert NATIONAL.holiday_name(day) == name


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Same WIB clock time, skipping Nyepi, Idul Fitri and its cuti bersama, and a weekend.
        (wib(2026, 3, 17, 14), 1, wib(2026, 3, 25, 14)),
        (wib(2026, 3, 13, 14), 3, wib(2026, 3, 25, 14)),  # Friday: Mon 16, Tue 17, Wed 25
        (wib(2026, 3, 16, 9, 30), 5, wib(2026, 3, 30, 9, 30)),  # 17, 25, 26, 27, 30
        # Made on a Saturday: counting starts Monday 00:00, three whole days Mon 16, Tue 17, Wed 25.
        (wib(2026, 3, 14, 10), 3, wib(2026, 3, 26, 0)),
        (wib(2026, 12, 23, 9), 2, wib(2026, 12, 29, 9)),  # over Christmas and a weekend
        (wib(2026, 12, 25, 15), 0, wib(2026, 12, 28, 0)),  # zero days on a holiday: next working day
        (wib(2026, 12, 28, 15), 0, wib(2026, 12, 28, 15)),
        (wib(2026, 12, 31, 10), 1, wib(2027, 1, 4, 10)),  # into next year's New Year holiday
        # 20:00 UTC on Friday is 03:00 on Saturday in Jakarta: a day off in WIB.
        (datetime(2026, 3, 13, 20, tzinfo=UTC), 1, wib(2026, 3, 17, 0)),
    ],
)
def test_add_working_days_keeps_the_wib_clock_time_and_skips_days_off(start, days, deadline):
    result = NATIONAL.add_working_days(start, days)
    assert result == deadline
    assert result.tzinfo == UTC


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (wib(2026, 3, 13, 12), wib(2026, 3, 25, 12), 3.0),  # half Friday, Mon, Tue, half Wednesday
        (wib(2026, 3, 17, 6), wib(2026, 3, 17, 18), 0.5),
        (wib(2026, 3, 18, 0), wib(2026, 3, 25, 0), 0.0),  # holidays and a weekend only
        (wib(2026, 3, 25, 12), wib(2026, 3, 13, 12), -3.0),
    ],
)
def test_working_days_between_counts_working_time_in_fractions_of_a_day(start, end, days):
    assert NATIONAL.working_days_between(start, end) == pytest.approx(days)


@pytest.mark.parametrize("start", [wib(2026, 3, 13, 14), wib(2026, 3, 14, 10), wib(2026, 12, 23, 23, 59)])
@pytest.mark.parametrize("days", [0, 1, 3, 5, 10])
def test_working_days_between_undoes_add_working_days(start, days):
    assert NATIONAL.working_days_between(start, NATIONAL.add_working_days(start, days)) == pytest.approx(days)


def test_naive_times_and_negative_days_are_refused():
    with pytest.raises(ValueError, match="aware"):
        NATIONAL.add_working_days(datetime(2026, 3, 17, 14), 1)
    with pytest.raises(ValueError, match="negative"):
        NATIONAL.add_working_days(wib(2026, 3, 17, 14), -1)


def test_holiday_years_are_looked_up_once_and_only_when_needed():
    asked: list[int] = []

    def counting(year):
        asked.append(year)
        return national_holidays(year)

    calendar = WorkCalendar(national=counting)
    assert asked == []
    calendar.add_working_days(wib(2026, 3, 13, 14), 10)
    calendar.is_working_day(date(2026, 12, 25))
    assert asked == [2026]
    calendar.add_working_days(wib(2026, 12, 31, 10), 1)
    assert asked == [2026, 2027]


def test_the_override_file_adds_holidays_and_working_days(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text(
        "# our office\n"
        "date,kind,name\n"
        "2026-12-31, holiday, Cuti bersama daerah\n"
        "2026-03-28, workday, Shifted working day   # a Saturday\n"
        "2026-12-24, workday\n"
        '2026-08-18, holiday, "Hari jadi kota, Padang"\n'
        "\n",
        encoding="utf-8",
    )
    calendar = load_calendar(str(path))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert calendar.holiday_name(date(2026, 12, 31)) == "Cuti bersama daerah"
    assert calendar.is_working_day(date(2026, 3, 28)) and calendar.holiday_name(date(2026, 3, 28)) is None
    assert calendar.is_working_day(date(2026, 12, 24))  # this office works through the cuti bersama
    assert calendar.holiday_name(date(2026, 8, 18)) == "Hari jadi kota, Padang"
    # 31 December and New Year's Day are both off now.
    assert calendar.add_working_days(wib(2026, 12, 30, 10), 1) == wib(2027, 1, 4, 10)
    # A worked Saturday counts: Wednesday 25 March + 3 is 26, 27, Saturday 28.
    assert calendar.add_working_days(wib(2026, 3, 25, 10), 3) == wib(2026, 3, 28, 10)
    assert calendar.add_working_days(wib(2026, 12, 23, 9), 1) == wib(2026, 12, 24, 9)


def test_an_override_file_saved_by_a_spreadsheet_loads(tmp_path):
    path = tmp_path / "local.csv"
    path.write_bytes("\ufeffdate,kind,name\r\n2026-12-31,holiday,Cuti bersama daerah\r\n".encode())
    assert load_calendar(str(path)).holiday_name(date(2026, 12, 31)) == "Cuti bersama daerah"


def test_an_override_without_a_name_is_called_a_local_holiday():
    calendar = WorkCalendar(parse_overrides("2026-11-02, holiday"))
    assert calendar.holiday_name(date(2026, 11, 2)) == "Local holiday"


def test_the_shipped_sample_file_changes_nothing():
    calendar = load_calendar(str(SHIPPED))
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_working_day(day) == NATIONAL.is_working_day(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13-01, holiday, Bad month", "line 2: '2026-13-01' is not a date"),
        ("31/12/2026, holiday, Wrong order", "line 2: '31/12/2026' is not a date"),
        ("2026-12-31, vacation, Unknown kind", "line 2: kind must be holiday or workday, not 'vacation'"),
        ("2026-12-31", "line 2: expected 'YYYY-MM-DD, holiday|workday, name'"),
        ("2026-12-31, holiday, A\n2026-12-31, workday, B", "line 3: 2026-12-31 is listed twice"),
    ],
)
def test_bad_override_lines_are_refused_naming_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "local.csv"
    path.write_text("# comment\n" + text + "\n", encoding="utf-8")
    with pytest.raises(CalendarError) as raised:
        load_calendar(str(path))
    assert str(raised.value).startswith(f"{path}, ")
    assert message in str(raised.value)


def test_a_missing_override_file_is_a_calendar_error(tmp_path):
    with pytest.raises(CalendarError, match="cannot read"):
        load_calendar(str(tmp_path / "nope.csv"))


def test_no_override_file_means_the_national_calendar():
    assert load_calendar(None).is_working_day(date(2026, 12, 24)) is False
