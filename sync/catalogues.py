"""The gettext catalogues of central, branch and sync: update, compile, check.

    python -m sync.catalogues update    # after changing strings: add new ids, drop gone ones
    python -m sync.catalogues compile   # .po -> .mo (make and the package build do this)
    python -m sync.catalogues check     # exit 1 naming every string without a translation
    python -m sync.catalogues fill branch < id.json   # {"message id": "terjemahan", ...}

The .po files are written sorted by message id and without source locations,
so two changes that add strings rarely touch the same lines. Imports only
Babel: the package build runs it.
"""
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("central", "branch", "sync")
LANGUAGES = ("id",)          # English is the message ids themselves
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
SKIP_DIRS = ("translations", "static", "__pycache__", "migrations")
FIXED_DATE = datetime(2026, 12, 1, tzinfo=timezone.utc)


def catalogue_path(package, language="id", root=ROOT):
    return Path(root) / package / "translations" / language / "LC_MESSAGES" / "messages.po"


def extract(package, root=ROOT):
    """{message id: first place it is used} for every translatable string in `package`."""
    base = Path(root) / package
    found = {}
    results = extract_from_dir(str(base), METHODS, keywords=KEYWORDS,
                               directory_filter=lambda path: os.path.basename(path)
                               not in SKIP_DIRS)
    for filename, lineno, message, _comments, _context in results:
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, (message, f"{package}/{filename}:{lineno}"))
    return found


def update(root=ROOT):
    """Bring every catalogue in line with the code; returns {path: (added, removed)}."""
    changes = {}
    for package in PACKAGES:
        messages = extract(package, root)
        for language in LANGUAGES:
            path = catalogue_path(package, language, root)
            old = _read(path, language)
            new = _new_catalog(language)
            for key, (message, _where) in sorted(messages.items()):
                previous = old.get(key)
                new.add(message, previous.string if previous else "",
                        flags=previous.flags if previous else ())
            added = [k for k in messages if old.get(k) is None]
            removed = [m.id for m in old if m.id and _key(m.id) not in messages]
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as out:
                write_po(out, new, width=0, no_location=True, sort_output=True,
                         ignore_obsolete=True, omit_header=False)
            changes[str(path)] = (len(added), len(removed))
    return changes


def fill(package, translations, language="id", root=ROOT):
    """Set the translations {message id: text} in `package`'s catalogue (ids it
    does not have are returned, not added: run update first)."""
    path = catalogue_path(package, language, root)
    catalog = _read(path, language)
    unknown = []
    for key, text in translations.items():
        entry = catalog.get(key)
        if entry is None:
            unknown.append(key)
            continue
        entry.string = tuple(text) if isinstance(entry.id, (list, tuple)) else text
        entry.flags.discard("fuzzy")
    with open(path, "wb") as out:
        write_po(out, catalog, width=0, no_location=True, sort_output=True,
                 ignore_obsolete=True)
    return unknown


def compile_all(root=ROOT):
    """Write each catalogue's .mo beside it; the paths written."""
    written = []
    for package in PACKAGES:
        for language in LANGUAGES:
            path = catalogue_path(package, language, root)
            if path.exists():
                catalog = _read(path, language)
                with open(path.with_suffix(".mo"), "wb") as out:
                    write_mo(out, catalog)
                written.append(str(path.with_suffix(".mo")))
    return written


def missing(root=ROOT):
    """["package/file.py:12: 'message'"] for every string the catalogues do not translate."""
    problems = []
    for package in PACKAGES:
        for language in LANGUAGES:
            catalog = _read(catalogue_path(package, language, root), language)
            for key, (_message, where) in sorted(extract(package, root).items()):
                entry = catalog.get(key)
                strings = entry.string if entry else ""
                strings = strings if isinstance(strings, (list, tuple)) else [strings]
                if entry is None or "fuzzy" in entry.flags or not all(strings):
                    problems.append(f"{where}: [{language}] {key!r}")
    return problems


def _new_catalog(language):
    """An empty catalogue whose header never changes (no dates that differ per run, so
    two branches that each add strings do not both rewrite the header)."""
    return Catalog(locale=language, domain="messages", project="Antrean", version="1",
                   copyright_holder="Antrean", msgid_bugs_address="",
                   creation_date=FIXED_DATE, revision_date=FIXED_DATE,
                   last_translator="Antrean", language_team="Bahasa Indonesia",
                   fuzzy=False)


def _read(path, language):
    if not Path(path).exists():
        return Catalog(locale=language)
    with open(path, "rb") as stream:
        return read_po(stream, locale=language)


def _key(message_id):
    return message_id if isinstance(message_id, str) else message_id[0]


def main(argv=None):
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "update":
        for path, (added, removed) in update().items():
            print(f"{path}: {added} new, {removed} removed")
    elif command == "compile":
        for path in compile_all():
            print(f"compiled {path}")
    elif command == "fill":
        import json
        for key in fill((argv or sys.argv[1:])[1], json.load(sys.stdin)):
            print(f"not in the catalogue (run update first): {key!r}")
    elif command == "check":
        problems = missing()
        for problem in problems:
            print(problem)
        print(f"{len(problems)} string(s) without a translation")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
