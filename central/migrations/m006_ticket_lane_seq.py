"""Merged tickets keep the seq their lane came from, so a transfer that arrives after a
later event still moves the ticket (central.folding).

Tickets merged before this kept their lane from whichever event came last, and a
transfer that arrived after its ticket's finish was dropped. So the lanes are
worked out again here from the transfers central holds (there are few: the scan
reads one kind): each transferred ticket takes its newest transfer's lane, every
other ticket with a lane got it from its ticket_issued, the first event of a
ticket (lane_seq 1: any transfer is newer). The reason a transfer gave is not in
version 1 events; a ticket moved to general has none.
"""
import json

from sync.database import add_missing_columns

from central.merged import MergedTicket


def up(db, migrator):
    add_missing_columns(db, migrator, "merged_ticket", lane_seq=MergedTicket.lane_seq)
    db.execute_sql("UPDATE merged_ticket SET lane_seq = 1 WHERE lane IS NOT NULL")
    newest = {}
    for office, day, seq, payload in db.execute_sql(
            "SELECT office, day, seq, payload FROM received_event "
            "WHERE kind = 'ticket_transferred'"):
        fields = json.loads(payload)
        key = (office, day, fields["ticket"])
        if key not in newest or newest[key][0] < seq:
            newest[key] = (seq, fields["to_lane"])
    for (office, day, number), (seq, lane) in newest.items():
        reason = "" if lane == "priority" else ", reason = NULL"
        db.execute_sql(f"UPDATE merged_ticket SET lane = {db.param}, lane_seq = {db.param}"
                       f"{reason} WHERE office = {db.param} AND day = {db.param} "
                       f"AND number = {db.param}", (lane, seq, office, day, number))
