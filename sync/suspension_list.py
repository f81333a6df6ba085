"""The signed suspension list: what central sends and how a branch checks it (the format).

A list travels as a signed header plus its entries:

    {"version": 41, "issued_at": "2026-11-30T01:02:03Z", "count": 2, "digest": "<sha256>",
     "kid": "IDJERX5P", "signature": "<base64>", "suspensions": [{...}, {...}]}

The signature (sync.signing.sign_document) covers the header fields alone; the
digest is the sha256 of the entries' canonical JSON. So a branch can check the
copy it keeps at any time: the stored header against the signature, its stored
rows against the digest, without keeping the whole document. `version` is
central's change-log sequence of the last suspension change: it only grows,
so an older list replayed is recognised. `suspensions` is null when the branch
already holds this version (central then vouches again, with a fresh issued_at).
"""
import hashlib

from . import signing

PURPOSE = "antrean-suspensions-1"
HEADER_FIELDS = ("version", "issued_at", "count", "digest")
ENTRY_FIELDS = ("id", "nik", "reason", "starts_on", "ends_on")


def entry(id, nik, reason, starts_on, ends_on):
    """One suspension as the list carries it (dates as ISO text)."""
    return {"id": int(id), "nik": nik, "reason": reason,
            "starts_on": _iso(starts_on), "ends_on": _iso(ends_on)}


def _iso(day):
    return day if isinstance(day, str) else day.isoformat()


def list_digest(entries):
    """sha256 (hex) of the entries' canonical JSON, in id order."""
    ordered = sorted(entries, key=lambda e: e["id"])
    return hashlib.sha256(signing.canonical_json(ordered).encode()).hexdigest()


def sign_list(entries, version, issued_at, private_key, kid, include_entries=True):
    """The signed list (see the module's docstring); entries left out if not included."""
    header = {"version": int(version), "issued_at": issued_at, "count": len(entries),
              "digest": list_digest(entries)}
    document = signing.sign_document(header, private_key, kid, PURPOSE)
    document["suspensions"] = sorted(entries, key=lambda e: e["id"]) if include_entries else None
    return document


def check_header(document, ring):
    """The header of `document` when a trusted key signed it; raises signing.BadSignature."""
    header = signing.open_document(document, ring, PURPOSE, HEADER_FIELDS)
    if not isinstance(header["version"], int) or not isinstance(header["count"], int):
        raise signing.BadSignature("malformed", "version and count must be numbers")
    return header


def check_entries(header, entries):
    """Raise BadSignature unless `entries` are exactly what `header` vouches for."""
    if not isinstance(entries, list) or len(entries) != header["count"]:
        raise signing.BadSignature("tampered", "the number of suspensions differs")
    try:
        cleaned = [entry(**{k: e[k] for k in ENTRY_FIELDS}) for e in entries]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise signing.BadSignature("malformed", "a suspension lacks a field") from None
    if list_digest(cleaned) != header["digest"]:
        raise signing.BadSignature("tampered", "the suspensions differ from the signed digest")
    return cleaned
