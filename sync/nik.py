"""Parsing the 16-digit Indonesian national ID number (NIK) offline.

Layout: PP RR DD ddmmyy SSSS -- province, regency/city, district, birth date
(women add 40 to the day), serial. So a NIK tells regency, birth date, sex
and age without asking anyone.
"""
from dataclasses import dataclass
from datetime import date

from .i18n import _
from .regions import PROVINCES, REGENCIES


class InvalidNik(ValueError):
    """A NIK that cannot be right; the message is meant for the applicant."""


@dataclass(frozen=True)
class Nik:
    value: str
    province: str
    regency: str          # four digits: province + regency/city
    district: str         # six digits: regency + district
    birth_date: date
    sex: str              # "F" or "M"
    serial: str

    @property
    def regency_known(self):
        return self.regency in REGENCIES

    def age_on(self, day):
        """Whole years of age on `day`."""
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


def parse_nik(text, today=None):
    """Parse and validate a NIK; raise InvalidNik with a readable reason."""
    today = today or date.today()
    value = (text or "").strip()
    if not value.isdigit() or not value.isascii():
        raise InvalidNik(_("A NIK contains only the digits 0-9."))
    if len(value) != 16:
        raise InvalidNik(_("A NIK has 16 digits; this one has %(count)s.", count=len(value)))
    province = value[:2]
    if province not in PROVINCES:
        raise InvalidNik(_("The NIK starts with %(province)s, which is not a province code.",
                           province=province))
    if value[2:4] == "00" or value[4:6] == "00":
        raise InvalidNik(_("The regency and district digits of a NIK cannot be 00."))
    if value[12:] == "0000":
        raise InvalidNik(_("The last four digits of a NIK (the serial) cannot be 0000."))
    birth_date, sex = _birth_date(value[6:12], today)
    return Nik(value, province, value[:4], value[:6], birth_date, sex, value[12:])


def _birth_date(ddmmyy, today):
    """Birth date and sex from DDMMYY; the century is the latest not in the future."""
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    sex = "F" if day > 40 else "M"
    if sex == "F":
        day -= 40
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        born = date(year, month, day)
    except ValueError:
        shown = "-".join((ddmmyy[:2], ddmmyy[2:4], ddmmyy[4:]))
        raise InvalidNik(_("The birth date in the NIK (%(date)s) is not a real date.",
                           date=shown)) from None
    if born > today:
        born = born.replace(year=born.year - 100)
    return born, sex


def mask_nik(nik):
    """3604011203650001 -> 3604********0001: regency and serial, never the birth date."""
    nik = nik or ""
    return nik[:4] + "*" * 8 + nik[12:] if len(nik) == 16 else "*" * len(nik)
