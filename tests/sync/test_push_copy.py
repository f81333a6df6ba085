"""Batches large enough for PostgreSQL's COPY path (50+ rows): new, re-sent, and mixed.

The fast path COPies without savepoints; a re-sent event aborts that transaction and
the batch is applied again the careful way. Either way: each event once, the answer
true, the merged tickets complete.
"""
import json

from sync_support import NIKS, Events, push

from central.db import db
from central.merged import MergedTicket, ReceivedEvent


def test_a_resent_and_a_half_new_batch_of_copy_size_count_each_event_once(api):
    event = Events()
    tickets = [event.ticket(f"A{n:03d}", NIKS[n % len(NIKS)]) for n in range(1, 41)]
    first = [e for three in tickets[:20] for e in three]            # 60 events
    later = [e for three in tickets[20:] for e in three]            # 60 more
    assert push(api, first).json == {"applied": 60, "duplicates": 0, "quarantined": [],
                                     "cursor": 60}
    again = push(api, first)
    assert again.status_code == 200 and again.json["applied"] == 0
    assert again.json["duplicates"] == 60
    mixed = push(api, first[30:] + later)                           # 30 held, 60 new
    assert mixed.json["applied"] == 60 and mixed.json["duplicates"] == 30
    with db.connection_context():
        assert ReceivedEvent.select().count() == 120
        done = MergedTicket.select().where(MergedTicket.status == "done").count()
        assert MergedTicket.select().count() == 40 and done == 40


def test_text_copy_must_escape_and_the_digests_fields_are_stored_as_sent(api):
    """A backslash and quotes (each written with a backslash in the payload's JSON) go
    through COPY's text format, which escapes them; lane, outcome and regency are kept
    in their columns for the digests."""
    event, counter = Events(), 'Loket \\ "2"'
    batch = []
    for n in range(1, 21):
        issued, called, finished = event.ticket(f"A{n:03d}", NIKS[n % len(NIKS)])
        called["payload"]["counter"] = finished["payload"]["counter"] = counter
        batch += [issued, called, finished]
    assert push(api, batch).json["applied"] == 60
    with db.connection_context():
        counters = {t.counter for t in MergedTicket.select()}
        stored = {e.id: e for e in ReceivedEvent.select()}
    assert counters == {counter} and len(stored) == 60
    for sent in batch:
        held = stored[sent["id"]]
        assert json.loads(held.payload) == sent["payload"]
        assert (held.lane, held.outcome, held.regency) == tuple(
            sent["payload"].get(field) for field in ("lane", "outcome", "regency"))
