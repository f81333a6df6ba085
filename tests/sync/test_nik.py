from datetime import date

import pytest

from sync.nik import InvalidNik, parse_nik

TODAY = date(2026, 11, 27)


def test_man_born_1960_in_lebak():
    nik = parse_nik("3602011708600001", TODAY)
    assert (nik.province, nik.regency, nik.district) == ("36", "3602", "360201")
    assert nik.birth_date == date(1960, 8, 17)
    assert nik.sex == "M"
    assert nik.age_on(TODAY) == 66
    assert nik.regency_known


def test_woman_adds_40_to_the_day():
    nik = parse_nik("3601015705950002", TODAY)
    assert nik.birth_date == date(1995, 5, 17)
    assert nik.sex == "F"


def test_recent_two_digit_year_is_this_century():
    assert parse_nik("3673010101100003", TODAY).birth_date == date(2010, 1, 1)
    assert parse_nik("3673010101300003", TODAY).birth_date == date(1930, 1, 1)


def test_age_counts_the_birthday_itself():
    nik = parse_nik("3601012711660001", TODAY)  # born 27-11-1966
    assert nik.age_on(TODAY) == 60
    assert nik.age_on(date(2026, 11, 26)) == 59


def test_leap_day_birth_dates():
    assert parse_nik("3601012902000001", TODAY).birth_date == date(2000, 2, 29)
    assert parse_nik("3601016902960001", TODAY).birth_date == date(1996, 2, 29)  # woman
    with pytest.raises(InvalidNik, match="not a real date"):
        parse_nik("3601012902010001", TODAY)  # 2001 is not a leap year


def test_unknown_regency_in_known_province_is_accepted_but_marked():
    nik = parse_nik("3699010101900001", TODAY)
    assert nik.regency == "3699"
    assert not nik.regency_known


@pytest.mark.parametrize("text, message", [
    ("36010117086000", "has 16 digits; this one has 14"),
    ("36010117086000011", "this one has 17"),
    ("3601011708600O01", "only the digits"),
    ("", "only the digits"),
    ("3601 11708600001", "only the digits"),
    ("９６０１０１１７０８６０００１"[:16], "only the digits"),
    ("9901011708600001", "not a province code"),
    ("3600011708600001", "cannot be 00"),
    ("3601003208600001", "cannot be 00"),
    ("3601013208600001", "not a real date"),     # day 32
    ("3601017208600001", "not a real date"),     # woman, day 32
    ("3601011713600001", "not a real date"),     # month 13
    ("3601011708600000", "serial"),
])
def test_bad_niks_are_refused_with_a_reason(text, message):
    with pytest.raises(InvalidNik, match=message):
        parse_nik(text, TODAY)
