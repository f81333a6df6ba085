"""Importing the Ministry of Religious Affairs' pilgrim list (the manifest) from CSV.

Columns: NIK, name, birth date, regency code, porsi number, departure year, named in
the first line (English or the ministry's Indonesian names; commas, semicolons or
tabs; UTF-8, or Windows-1252 as Excel writes it). Each data line is checked on its
own: a bad one is reported with its line number and reason and left out, the good
ones are imported. A pilgrim is keyed by NIK: a line equal to what the list holds
changes nothing, so importing the same file again changes nothing. The whole import
is one transaction, its rows written with a few bulk statements (50,000 lines take
seconds), together with its ManifestImport row and audit entry.
"""
import csv
import hashlib
import io
import json
import time
from datetime import date, datetime

from sync.database import write_transaction
from sync.errors import Invalid
from sync.i18n import _
from sync.nik import InvalidNik, parse_nik
from sync.regions import PROVINCES

from ..bulk import insert_rows, select_rows, upsert_clause
from ..db import db
from ..models import naive_utc
from . import audit
from .models import ManifestImport

FIELDS = ("nik", "name", "birth_date", "regency", "porsi", "departure_year")
HEADERS = {
    "nik": "nik", "no_ktp": "nik", "nomor_induk_kependudukan": "nik",
    "name": "name", "nama": "name", "nama_jemaah": "name", "nama_lengkap": "name",
    "birth_date": "birth_date", "date_of_birth": "birth_date", "tanggal_lahir": "birth_date",
    "tgl_lahir": "birth_date",
    "regency_code": "regency", "regency": "regency", "kode_kabupaten": "regency",
    "kode_kab_kota": "regency", "kode_kabupaten_kota": "regency",
    "porsi_number": "porsi", "porsi": "porsi", "nomor_porsi": "porsi", "no_porsi": "porsi",
    "departure_year": "departure_year", "tahun_berangkat": "departure_year",
    "tahun_keberangkatan": "departure_year",
}
COLUMNS = ["nik", "name", "name_key", "birth_date", "regency", "porsi", "departure_year",
           "import_id", "updated_at"]
COMPARED = slice(1, 7)          # name .. departure_year: what makes a line "the same"
ERRORS_KEPT = 1000
CHUNK = 900
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


def name_key(name):
    """Names compare case- and space-insensitively: "Siti  AMINAH" == "siti aminah"."""
    return "".join(name.split()).casefold()


def read_rows(raw):
    """(header fields by position, [(line number, cells)]) of the CSV bytes; raises Invalid
    for a file that cannot be read at all (nothing is imported then)."""
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    positions = _positions(header or [])
    rows = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((reader.line_num, cells))
    return positions, rows


def _decode(raw):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _positions(header):
    """{field: column index}; Invalid naming the columns missing."""
    found = {}
    for index, title in enumerate(header):
        key = "_".join(title.strip().lower().replace("-", " ").replace(".", " ").split())
        if HEADERS.get(key) and HEADERS[key] not in found:
            found[HEADERS[key]] = index
    missing = [field for field in FIELDS if field not in found]
    if missing:
        raise Invalid(_("The first line must name the columns nik, name, birth_date, "
                        "regency_code, porsi_number and departure_year (or nik, nama, "
                        "tanggal_lahir, kode_kabupaten, nomor_porsi, tahun_berangkat). "
                        "Missing: %(missing)s.", missing=", ".join(missing)))
    return found


def check_rows(positions, rows, today):
    """(good rows as {field: value} by NIK, [(line, reason)]), in file order."""
    good, bad, niks, porsis = {}, [], {}, {}
    for line, cells in rows:
        try:
            entry = check_row(positions, cells, today)
            if entry["nik"] in niks:
                raise ValueError(_("This NIK is already on line %(line)d.",
                                   line=niks[entry["nik"]]))
            if entry["porsi"] in porsis:
                raise ValueError(_("This porsi number is already on line %(line)d.",
                                   line=porsis[entry["porsi"]]))
        except ValueError as exc:
            bad.append((line, str(exc)))
            continue
        niks[entry["nik"]], porsis[entry["porsi"]] = line, line
        good[entry["nik"]] = entry
    return good, bad


def check_row(positions, cells, today):
    """One line as {field: value}; raises ValueError with the reason a person can act on."""
    if len(cells) <= max(positions.values()):
        raise ValueError(_("%(n)d column(s) where %(expected)d are needed.", n=len(cells),
                           expected=max(positions.values()) + 1))
    cell = {field: cells[index].strip() for field, index in positions.items()}
    try:
        nik = parse_nik(cell["nik"], today).value
    except InvalidNik as exc:
        raise ValueError(f"NIK: {exc}") from None
    name = " ".join(cell["name"].split())
    if not name or len(name) > 120:
        raise ValueError(_("The name is empty or longer than 120 characters."))
    return {"nik": nik, "name": name, "birth_date": _birth_date(cell["birth_date"], today),
            "regency": _regency(cell["regency"]), "porsi": _porsi(cell["porsi"]),
            "departure_year": _year(cell["departure_year"])}


def _birth_date(text, today):
    for pattern in DATE_FORMATS:
        try:
            born = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if date(1900, 1, 1) <= born <= today:
            return born
        break
    raise ValueError(_("The birth date %(value)s is not a date between 1900 and today "
                       "(write YYYY-MM-DD or DD-MM-YYYY).", value=text[:20]))


def _regency(text):
    if not (text.isdigit() and len(text) == 4 and text[:2] in PROVINCES):
        raise ValueError(_("The regency code %(value)s is not 4 digits of a known province.",
                           value=text[:20]))
    return text


def _porsi(text):
    if not (text.isdigit() and 1 <= len(text) <= 20):
        raise ValueError(_("The porsi number %(value)s is not 1 to 20 digits.",
                           value=text[:30]))
    return text


def _year(text):
    if not (text.isdigit() and 2000 <= int(text) <= 2100):
        raise ValueError(_("The departure year %(value)s is not a year from 2000 to 2100.",
                           value=text[:10]))
    return int(text)


def import_manifest(raw, filename, actor, now, today):
    """Import the CSV bytes `raw`; the ManifestImport recording what happened."""
    started = time.monotonic()
    positions, rows = read_rows(raw)
    good, bad = check_rows(positions, rows, today)
    stamp = naive_utc(now)
    with write_transaction(db):
        record = ManifestImport.create(at=stamp, actor=actor, filename=filename[:200],
                                       sha256=hashlib.sha256(raw).hexdigest(), rows=len(rows),
                                       bad=len(bad), errors=json.dumps(bad[:ERRORS_KEPT]))
        held = _held(list(good))
        fresh = [_row(entry, record.id, stamp) for entry in good.values()]
        changed = [row for row in fresh if held.get(row[0]) != row[COMPARED]]
        insert_rows(db, "manifest_entry", COLUMNS, changed,
                    conflict=upsert_clause(("nik",), COLUMNS))
        record.added = sum(1 for row in changed if row[0] not in held)
        record.updated, record.unchanged = len(changed) - record.added, len(fresh) - len(changed)
        record.seconds = round(time.monotonic() - started, 2)
        record.save()
        audit.record(actor, "manifest.imported", f"manifest_import:{record.id}", "",
                     filename=record.filename, sha256=record.sha256, rows=record.rows,
                     added=record.added, updated=record.updated,
                     unchanged=record.unchanged, bad=record.bad)
    return record


def _row(entry, import_id, stamp):
    return (entry["nik"], entry["name"], name_key(entry["name"]),
            entry["birth_date"].isoformat(), entry["regency"], entry["porsi"],
            entry["departure_year"], import_id, stamp.isoformat(" "))


def _held(niks):
    """{nik: (name, name_key, birth date, regency, porsi, year)} of those already listed."""
    held = {}
    for start in range(0, len(niks), CHUNK):
        for row in select_rows(db, "SELECT nik, name, name_key, birth_date, regency, porsi, "
                                   "departure_year FROM manifest_entry WHERE nik IN {}",
                               niks[start:start + CHUNK]):
            held[row[0]] = (row[1], row[2], str(row[3]), row[4], row[5], int(row[6]))
    return held
