"""The digest of one office-day, computed the same way by a branch and by central.

Both sides feed it the events they hold for that day; equal digests prove
that both hold exactly the same events (the hash) and count the same things
(tickets by lane, outcomes, passports by regency).
"""
import hashlib
import json
from collections import Counter

PASSPORT_ISSUED = "passport_issued"
HASH_MODULUS = 2 ** 256


class DayDigest:
    """Builds one day's digest event by event, in any order, in constant memory.

    The hash is the sum of sha256(id) modulo 2**256: adding the same ids in
    any order gives the same value, and no list of ids is kept (a week of
    backlog is a million ids).
    """

    def __init__(self):
        self.events, self.sum = 0, 0
        self.lanes, self.outcomes, self.passports = Counter(), Counter(), Counter()

    def add(self, event_id, kind, payload):
        """Count one event: (id, kind, payload JSON text or dict)."""
        self.events += 1
        self.sum += int.from_bytes(hashlib.sha256(str(event_id).encode()).digest(), "big")
        if kind == "ticket_issued":
            self.lanes[_load(payload)["lane"]] += 1
        elif kind == "ticket_finished":
            finished = _load(payload)
            self.outcomes[finished["outcome"]] += 1
            if finished["outcome"] == PASSPORT_ISSUED:
                self.passports[finished["regency"]] += 1

    def result(self):
        return {
            "events": self.events,
            "tickets": sum(self.lanes.values()),
            "by_lane": dict(sorted(self.lanes.items())),
            "by_outcome": dict(sorted(self.outcomes.items())),
            "passports_by_regency": dict(sorted(self.passports.items())),
            "hash": f"{self.sum % HASH_MODULUS:064x}",
        }


def compute_digest(events):
    """Digest of `events`: an iterable of (event id, kind, payload JSON text or dict)."""
    day = DayDigest()
    for event_id, kind, payload in events:
        day.add(event_id, kind, payload)
    return day.result()


def differences(ours, theirs):
    """The digest fields that differ, as 'field: ours != theirs' (theirs may say more)."""
    return [f"{key}: {ours[key]} != {theirs.get(key)}"
            for key in ours if ours[key] != theirs.get(key)]


def _load(payload):
    return json.loads(payload) if isinstance(payload, str) else payload
