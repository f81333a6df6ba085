"""The digest of one office-day, computed the same way by a branch and by central.

Both sides feed it the events they hold for that day; equal digests prove
that both hold exactly the same events (the hash) and count the same things
(tickets by lane, outcomes, passports by regency).
"""
import hashlib
import json
from collections import Counter

PASSPORT_ISSUED = "passport_issued"


def compute_digest(events):
    """Digest of `events`: an iterable of (event id, kind, payload JSON text or dict)."""
    ids, lanes, outcomes, passports = [], Counter(), Counter(), Counter()
    for event_id, kind, payload in events:
        ids.append(str(event_id))
        if kind == "ticket_issued":
            lanes[_load(payload)["lane"]] += 1
        elif kind == "ticket_finished":
            finished = _load(payload)
            outcomes[finished["outcome"]] += 1
            if finished["outcome"] == PASSPORT_ISSUED:
                passports[finished["regency"]] += 1
    return {
        "events": len(ids),
        "tickets": sum(lanes.values()),
        "by_lane": dict(sorted(lanes.items())),
        "by_outcome": dict(sorted(outcomes.items())),
        "passports_by_regency": dict(sorted(passports.items())),
        "hash": ids_hash(ids),
    }


def ids_hash(ids):
    """Order-independent hash of event ids: sha256 over the sorted ids, one per line."""
    digest = hashlib.sha256()
    for event_id in sorted(ids):
        digest.update(event_id.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def differences(ours, theirs):
    """The digest fields that differ, as 'field: ours != theirs' (theirs may say more)."""
    return [f"{key}: {ours[key]} != {theirs.get(key)}"
            for key in ours if ours[key] != theirs.get(key)]


def _load(payload):
    return json.loads(payload) if isinstance(payload, str) else payload
