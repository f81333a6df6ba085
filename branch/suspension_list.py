"""The suspension list this branch enforces, as central signed it (sync.suspension_list).

The sync job applies central's signed list (`apply_list`): the header must be
signed by a trusted key, the entries must match its digest, and its version may
not be older than the one held (a replay). The copy kept here is checked again
before it is served from (`require_trusted`, at most every
SUSPENSION_CHECK_SECONDS per worker) and on the status page: the stored header
against its signature, the rows against the signed digest. A copy changed
behind Antrean's back is not served from: no ticket is issued, because no NIK
can be checked, until the job brings central's signed list again (it asks for
the whole list whenever the copy fails). A branch that never received a signed
list serves the rows it has, and the status page says they are unsigned.
"""
import time
from datetime import datetime, timezone

from flask import current_app

from sync import signing
from sync import suspension_list as signed
from sync.database import write_transaction
from sync.i18n import _, ngettext

from . import errors, trust
from .clock import utcnow as utcnow_aware
from .db import db
from .models import LocalSuspension, SuspensionList, utcnow

ROWS = ("SELECT central_id, nik, reason, starts_on, ends_on FROM local_suspension "
        "ORDER BY central_id")
_checked = {}       # database -> (monotonic time, problem): each worker's last check


class ListRefused(Exception):
    """Central's list (or this branch's state) does not allow applying it; one line why."""


def apply_list(document):
    """Check central's signed list and apply it in one transaction: "applied" or "confirmed"."""
    ring = trust.keyring()
    try:
        header = signed.check_header(document, ring)
        with write_transaction(db):
            return _apply(header, document, ring)
    except signing.BadSignature as exc:
        raise ListRefused(f"central's suspension list refused: {exc}") from None
    finally:
        _checked.clear()


def _apply(header, document, ring):
    held = SuspensionList.get_or_none(SuspensionList.id == 1)
    if held is not None and header["version"] < held.version:
        raise ListRefused(f"central's suspension list refused: version {header['version']} "
                          f"is older than version {held.version} held here (a replay)")
    if document.get("suspensions") is None:
        if held is None or header["version"] != held.version or header["digest"] != held.digest \
                or copy_problem(held, ring):
            raise ListRefused("central's suspension list left out its entries, but this "
                              "branch does not hold that version intact")
        _store_header(header, document, applied=False)
        return "confirmed"
    entries = signed.check_entries(header, document["suspensions"])
    LocalSuspension.delete().execute()
    rows = [{"central_id": e["id"], "nik": e["nik"], "reason": e["reason"],
             "starts_on": e["starts_on"], "ends_on": e["ends_on"], "lifted": False}
            for e in entries]
    for start in range(0, len(rows), 500):
        LocalSuspension.insert_many(rows[start:start + 500]).execute()
    _store_header(header, document, applied=True)
    return "applied"


def _store_header(header, document, applied):
    now = utcnow()
    row = {**header, "kid": document["kid"], "signature": document["signature"],
           "confirmed_at": now}
    if applied or not SuspensionList.select().exists():
        row["applied_at"] = now
    (SuspensionList.insert(id=1, **row)
     .on_conflict(conflict_target=[SuspensionList.id],
                  update={getattr(SuspensionList, k): v for k, v in row.items()}).execute())


def held_version():
    """The version held intact (the job asks central for news after it), or None."""
    held = SuspensionList.get_or_none(SuspensionList.id == 1)
    if held is None or copy_problem(held):
        return None
    return held.version


def copy_problem(held=False, ring=None):
    """None when the copy checks out (or was never signed); else why not, as a code."""
    held = SuspensionList.get_or_none(SuspensionList.id == 1) if held is False else held
    if held is None:
        return None
    document = {"version": held.version, "issued_at": held.issued_at, "count": held.count,
                "digest": held.digest, "kid": held.kid, "signature": held.signature}
    try:
        signed.check_header(document, ring if ring is not None else trust.keyring())
    except signing.BadSignature:
        return "header"
    entries = [signed.entry(*row) for row in db.execute_sql(ROWS)]
    if len(entries) != held.count or signed.list_digest(entries) != held.digest:
        return "rows"
    return None


def problem_message(problem):
    """What staff read about a copy that fails its check."""
    if problem == "header":
        return _("The suspension list on this PC fails central's signature: it was changed "
                 "outside Antrean. No tickets can be issued until the next sync restores it.")
    return _("The suspension list on this PC differs from the list central signed: it was "
             "changed outside Antrean. No tickets can be issued until the next sync restores it.")


def require_trusted():
    """Raise SuspensionListUntrusted when the copy fails its check (see the module)."""
    key, now = db.database, time.monotonic()
    seconds = float(current_app.config.get("SUSPENSION_CHECK_SECONDS", 10))
    last = _checked.get(key)
    if last is None or now - last[0] >= seconds:
        last = _checked[key] = (now, copy_problem())
    if last[1]:
        raise errors.SuspensionListUntrusted(problem_message(last[1]))


def list_status():
    """The list as the status page shows it: version, age, entries, and any problem."""
    held = SuspensionList.get_or_none(SuspensionList.id == 1)
    problem = copy_problem(held)
    issued = age = None
    if held is not None:
        issued = datetime.strptime(held.issued_at, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc)
        age = age_text((utcnow_aware() - issued).total_seconds())
    return {"signed": held is not None, "version": held.version if held else None,
            "issued_at": issued, "age": age, "applied_at": held.applied_at if held else None,
            "count": held.count if held else LocalSuspension.select().count(),
            "problem": problem_message(problem) if problem else None,
            "central_keys": trust.key_summary()}


def age_text(seconds):
    """"5 menit", "3 jam", "2 hari": how long ago central last vouched for the list."""
    minutes = max(0, int(seconds // 60))
    if minutes < 120:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    if minutes < 48 * 60:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
