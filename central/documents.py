"""The documents an applicant brings to the office, per purpose: kept here, and only here.

The booking site shows them on the confirmation page and puts them in the calendar
entry; a change of requirements is a change of this one list.
"""
from sync.i18n import _l

PURPOSES = ("general", "hajj", "umrah")

PURPOSE_NAMES = {"general": _l("General passport"), "hajj": _l("Hajj pilgrimage"),
                 "umrah": _l("Umrah pilgrimage")}

_IDENTITY = [
    _l("Your e-KTP (original)"),
    _l("Your family card, Kartu Keluarga (original)"),
    _l("Your birth certificate, diploma or marriage book (original): one that shows your "
       "name, place and date of birth and your parents' names"),
    _l("Your old passport, if you have one"),
]

DOCUMENTS = {
    "general": _IDENTITY,
    "hajj": _IDENTITY + [
        _l("The recommendation letter of the Ministry of Religious Affairs office of your "
           "regency or city"),
        _l("The receipt of your hajj fee deposit (BPIH)"),
    ],
    "umrah": _IDENTITY + [
        _l("The recommendation letter of your registered umrah travel organiser (PPIU)"),
    ],
}


def documents_for(purpose):
    """The list for `purpose` (translated now), the booking's code being always wanted too."""
    return [str(item) for item in DOCUMENTS.get(purpose, DOCUMENTS["general"])]
