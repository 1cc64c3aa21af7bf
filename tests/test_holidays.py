"""Public holidays: the `holidays` library, the override table, PUBLIC_HOLIDAYS, and years without data."""
import datetime as dt
import logging

import pytest
from holidays import country_holidays
from holidays.constants import GOVERNMENT, PUBLIC

from core.clock import WIB
from core.settings import get_settings
from services import calendar
from services.calendar import PublicHolidays, add_working_days, holiday_overrides, public_holidays, read_overrides

#: The former hand-written list (services/holidays_id.csv at commit 8d21833): libur nasional and cuti bersama
#: 2025-2026 from the SKB 3 Menteri No. 1017/2024 (amended by No. 933/2025) and No. 1497/2025.
FORMER_TABLE = """
2025-01-01  Tahun Baru 2025 Masehi
2025-01-27  Isra Mikraj Nabi Muhammad SAW
2025-01-28  Cuti bersama Tahun Baru Imlek
2025-01-29  Tahun Baru Imlek 2576 Kongzili
2025-03-28  Cuti bersama Nyepi
2025-03-29  Hari Suci Nyepi (Tahun Baru Saka 1947)
2025-03-31  Idul Fitri 1446 H
2025-04-01  Idul Fitri 1446 H (hari kedua)
2025-04-02  Cuti bersama Idul Fitri
2025-04-03  Cuti bersama Idul Fitri
2025-04-04  Cuti bersama Idul Fitri
2025-04-07  Cuti bersama Idul Fitri
2025-04-18  Wafat Yesus Kristus
2025-04-20  Kebangkitan Yesus Kristus (Paskah)
2025-05-01  Hari Buruh Internasional
2025-05-12  Hari Raya Waisak 2569 BE
2025-05-13  Cuti bersama Waisak
2025-05-29  Kenaikan Yesus Kristus
2025-05-30  Cuti bersama Kenaikan Yesus Kristus
2025-06-01  Hari Lahir Pancasila
2025-06-06  Idul Adha 1446 H
2025-06-09  Cuti bersama Idul Adha
2025-06-27  Tahun Baru Islam 1447 H
2025-08-17  Proklamasi Kemerdekaan
2025-08-18  Cuti bersama HUT ke-80 RI
2025-09-05  Maulid Nabi Muhammad SAW
2025-12-25  Kelahiran Yesus Kristus
2025-12-26  Cuti bersama Natal
2026-01-01  Tahun Baru 2026 Masehi
2026-01-16  Isra Mikraj Nabi Muhammad SAW
2026-02-16  Cuti bersama Tahun Baru Imlek
2026-02-17  Tahun Baru Imlek 2577 Kongzili
2026-03-18  Cuti bersama Nyepi
2026-03-19  Hari Suci Nyepi (Tahun Baru Saka 1948)
2026-03-20  Cuti bersama Idul Fitri
2026-03-21  Idul Fitri 1447 H
2026-03-22  Idul Fitri 1447 H (hari kedua)
2026-03-23  Cuti bersama Idul Fitri
2026-03-24  Cuti bersama Idul Fitri
2026-04-03  Wafat Yesus Kristus
2026-04-05  Kebangkitan Yesus Kristus (Paskah)
2026-05-01  Hari Buruh Internasional
2026-05-14  Kenaikan Yesus Kristus
2026-05-15  Cuti bersama Kenaikan Yesus Kristus
2026-05-27  Idul Adha 1447 H
2026-05-28  Cuti bersama Idul Adha
2026-05-31  Hari Raya Waisak 2570 BE
2026-06-01  Hari Lahir Pancasila
2026-06-16  Tahun Baru Islam 1448 H
2026-08-17  Proklamasi Kemerdekaan
2026-08-25  Maulid Nabi Muhammad SAW
2026-12-24  Cuti bersama Natal
2026-12-25  Kelahiran Yesus Kristus
"""
FORMER_DATES = frozenset(dt.date.fromisoformat(line.split()[0]) for line in FORMER_TABLE.strip().splitlines())
FORMER_YEARS = (2025, 2026)


def wib(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=WIB)


def clear_caches() -> None:
    calendar.holiday_overrides.cache_clear()
    calendar.national_holidays.cache_clear()
    calendar._public_holidays.cache_clear()


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each test computes its years anew, so the once-per-year log and a swapped override table show."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def override_table(tmp_path, monkeypatch):
    """Replace the shipped override table with the given CSV rows for one test."""

    def write(*rows: str) -> None:
        path = tmp_path / "holidays_override.csv"
        path.write_text("# test table\ndate,change,name,why\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
        monkeypatch.setattr(calendar, "OVERRIDES_FILE", path)
        clear_caches()

    return write


@pytest.fixture
def configured_holidays(monkeypatch):
    """Set PUBLIC_HOLIDAYS for one test, as a deployment would in its environment."""

    def configure(value: str) -> None:
        monkeypatch.setenv("PUBLIC_HOLIDAYS", value)
        get_settings.cache_clear()

    yield configure
    monkeypatch.delenv("PUBLIC_HOLIDAYS", raising=False)
    get_settings.cache_clear()


# --- the library against the former hand-written list --------------------------------------------


def test_every_date_of_the_former_list_is_still_a_holiday():
    holidays = PublicHolidays()
    missing = sorted(day for day in FORMER_DATES if day not in holidays)
    assert missing == []


@pytest.mark.parametrize("year", FORMER_YEARS)
def test_the_new_calendar_equals_the_former_list(year):
    former = {day for day in FORMER_DATES if day.year == year}
    assert PublicHolidays().in_year(year) == former


def test_the_override_table_holds_exactly_the_differences_between_the_library_and_the_former_list():
    # Given the library alone (libur nasional + cuti bersama) for the years the former list covered
    library = set(country_holidays("ID", years=FORMER_YEARS, categories=(PUBLIC, GOVERNMENT)))
    # then every date where it differs from the former list has a row (with its reason) in the override table,
    # and the table has no row for those years that is not such a difference.
    overridden = {o.date: o for o in holiday_overrides() if o.date.year in FORMER_YEARS}
    assert set(overridden) == library ^ FORMER_DATES
    for day, row in overridden.items():
        assert row.change == ("add" if day in FORMER_DATES else "remove"), row


def test_the_shipped_override_table_reads_and_explains_every_row():
    for row in holiday_overrides():
        assert row.why, row


# --- years after the former list ---------------------------------------------------------------


def test_2027_has_its_holidays_and_cuti_bersama():
    holidays = public_holidays()
    assert dt.date(2027, 1, 1) in holidays  # Tahun Baru
    assert dt.date(2027, 8, 17) in holidays  # Proklamasi Kemerdekaan
    assert dt.date(2027, 12, 25) in holidays  # Natal
    assert dt.date(2027, 12, 24) in holidays  # cuti bersama Natal (SKB for 2027)
    assert dt.date(2027, 8, 18) not in holidays


def test_a_deadline_across_new_year_skips_the_holidays_of_the_new_year():
    # Received Thursday 31 December 2026; Friday 1 January and Tuesday 5 January 2027 (Isra Mikraj) are holidays.
    assert add_working_days(wib(2026, 12, 31, 10), 3, public_holidays()) == end_of(dt.date(2027, 1, 7))


# --- the override table ------------------------------------------------------------------------


def test_the_override_table_removes_and_adds_days(override_table):
    # Given a decree that moves the Good Friday cuti bersama of 2027 from Thursday 25 to Monday 29 March
    override_table(
        "2027-03-25,remove,Cuti bersama Wafat Yesus Kristus,test: moved by an imagined amending SKB",
        '2027-03-29,add,Cuti bersama Wafat Yesus Kristus,"test: moved by an imagined amending SKB, to Monday"',
    )
    holidays = public_holidays()
    # then the calendar follows the table, and the library's other dates stay
    assert dt.date(2027, 3, 25) not in holidays
    assert dt.date(2027, 3, 29) in holidays
    assert dt.date(2027, 3, 26) in holidays  # Wafat Yesus Kristus itself
    assert add_working_days(wib(2027, 3, 24, 10), 1, holidays) == end_of(dt.date(2027, 3, 25))


@pytest.mark.parametrize("row, message", [
    ("25-03-2027,remove,x,decree", "not an ISO date"),
    ("2027-03-25,move,x,decree", "'add' or 'remove'"),
    ("2027-03-25,remove,x,", "why column"),
])
def test_a_malformed_override_row_is_refused_by_name(tmp_path, row, message):
    path = tmp_path / "overrides.csv"
    path.write_text(f"date,change,name,why\n{row}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_overrides(path)


def test_a_date_listed_twice_is_refused(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text("date,change,name,why\n2027-03-25,remove,x,a\n2027-03-25,add,x,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        read_overrides(path)


# --- PUBLIC_HOLIDAYS ---------------------------------------------------------------------------


def test_the_public_holidays_setting_still_adds_regional_days(configured_holidays):
    received = wib(2027, 10, 1, 16)  # Friday
    assert add_working_days(received, 3, public_holidays()) == end_of(dt.date(2027, 10, 6))

    configured_holidays("2027-10-04")  # a regency's own holiday, Monday
    holidays = public_holidays()
    assert dt.date(2027, 10, 4) in holidays
    assert dt.date(2027, 10, 4) in holidays.in_year(2027)
    assert dt.date(2027, 1, 1) in holidays  # the national calendar is still there
    assert add_working_days(received, 3, holidays) == end_of(dt.date(2027, 10, 7))


# --- years without data ------------------------------------------------------------------------


def test_a_year_without_any_data_logs_one_error(caplog):
    caplog.set_level(logging.WARNING, logger="simpul.calendar")
    # 2500: beyond the library's range and absent from the override table
    due = add_working_days(wib(2500, 1, 1, 9), 3, public_holidays())  # Friday
    assert due == end_of(dt.date(2500, 1, 6))  # weekends only; 1 January is not skipped
    add_working_days(wib(2500, 3, 1, 9), 3, public_holidays())

    records = [r for r in caplog.records if r.name == "simpul.calendar"]
    assert [(r.levelname, "2500" in r.getMessage()) for r in records] == [("ERROR", True)]


def test_the_override_table_counts_as_data_for_a_year(override_table, caplog):
    caplog.set_level(logging.WARNING, logger="simpul.calendar")
    override_table("2500-01-01,add,Tahun Baru,test: a year the library does not reach")
    assert dt.date(2500, 1, 1) in public_holidays()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_year_without_cuti_bersama_logs_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="simpul.calendar")
    # 2099: the library computes the libur nasional but carries no SKB, so no cuti bersama
    holidays = public_holidays()
    assert dt.date(2099, 8, 17) in holidays
    assert dt.date(2099, 1, 1) in holidays
    records = [r for r in caplog.records if r.name == "simpul.calendar"]
    assert [(r.levelname, "cuti bersama" in r.getMessage()) for r in records] == [("WARNING", True)]


def test_years_with_a_decree_log_nothing(caplog):
    caplog.set_level(logging.WARNING, logger="simpul.calendar")
    for year in (2025, 2026, 2027):
        assert PublicHolidays().in_year(year)
    assert not [r for r in caplog.records if r.name == "simpul.calendar"]
