"""Pull: central's changes for this office, applied page by page, then the signed
suspension list.

Each page and the cursor that follows it are stored in one transaction, so
the cursor never runs ahead of the rows (or behind them): killed at any
instant, the next run asks again from the last committed cursor.
"""
import json
from datetime import date

from branch import suspension_list, trust
from branch.models import LocalBooking, Setting, SyncState
from sync.database import write_transaction

PAGE = 500
BOOKING_FIELDS = ["office", "date", "hour", "nik", "name", "purpose", "status"]


def pull_changes(db, client, retrying, page=PAGE):
    """Apply every change central has after our cursor; how many were applied."""
    applied = 0
    while True:
        cursor = SyncState.get_by_id(1).pull_cursor
        answer = client.changes(cursor, page)
        retrying(apply_page, db, answer["changes"], answer["cursor"], answer.get("pass_secrets"))
        applied += len(answer["changes"])
        if not answer["more"] or not answer["changes"]:
            return applied


def apply_page(db, changes, cursor, pass_secrets=None):
    """Apply a page of changes and move the cursor (forward only) in one transaction; then
    keep the keys' pass secrets (after the page, which may announce a key)."""
    with write_transaction(db):
        for change in changes:
            if change["kind"] not in APPLY:
                raise ValueError(f"central sent change {change['seq']} of unknown kind "
                                 f"{change['kind']!r}; upgrade antrean-sync")
            APPLY[change["kind"]](change["payload"])
        trust.store_pass_secrets(pass_secrets)
        (SyncState.update(pull_cursor=cursor)
         .where(SyncState.id == 1, SyncState.pull_cursor < cursor).execute())


def _booking(payload):
    """Upsert by code; the branch's own `ticket` column is left as it is."""
    row = {"code": payload["code"], **{f: payload[f] for f in BOOKING_FIELDS}}
    row["date"] = date.fromisoformat(row["date"])
    (LocalBooking.insert(**row)
     .on_conflict(conflict_target=[LocalBooking.code],
                  preserve=[getattr(LocalBooking, f) for f in BOOKING_FIELDS]).execute())


def _suspension(payload):
    """Suspensions come only as central's signed list (pull_suspension_list): a change
    of one tells nothing the list will not, and could not be checked on its own."""


def pull_suspension_list(db, client, retrying):
    """Central's signed list, applied when newer than ours or when our copy fails its
    check (then the whole list is asked for); "applied" or "confirmed"."""
    document = client.suspension_list(have=suspension_list.held_version())
    return retrying(suspension_list.apply_list, document)


def _office(payload):
    """Office settings: one Setting row per key, the value as JSON."""
    for key, value in payload.items():
        (Setting.insert(key=key, value=json.dumps(value))
         .on_conflict(conflict_target=[Setting.key], preserve=[Setting.value]).execute())


APPLY = {"booking": _booking, "suspension": _suspension, "office": _office,
         "key": trust.apply_announcement}
