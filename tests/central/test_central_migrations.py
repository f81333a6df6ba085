"""Central's schema scripts upgrade a database that already holds data."""
import importlib
import pkgutil
import uuid
from datetime import date

import pytest
from peewee import IntegrityError
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from central import create_app, migrations
from central.db import db, init_db
from central.merged import MergedTicket, PassportTally, QuarantinedEvent, ReceivedEvent
from central.merging import day_digest
from sync.database import is_postgres, migrate, open_database
from sync.digest import compute_digest

DAY = date(2026, 11, 23)
ISSUED = '{"lane":"general","nik":"3601014501900001","regency":"3601","ticket":"A001"}'
FINISHED = '{"counter":"1","outcome":"passport_issued","regency":"3601","ticket":"A001"}'


@pytest.fixture
def old_central(central_db_url):
    """A central database as migration 003 left it, holding three received events."""
    db.initialize(open_database(central_db_url))
    with db.connection_context():
        db.execute_sql("CREATE TABLE schema_version "
                       "(version INTEGER PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)")
        migrator = PostgresqlMigrator(db.obj) if is_postgres(db) else SqliteMigrator(db.obj)
        for version, name in ((1, "m001_initial"), (2, "m002_sync"),
                              (3, "m003_sync_backlog")):
            importlib.import_module(f"central.migrations.{name}").up(db, migrator)
            db.execute_sql(f"INSERT INTO schema_version VALUES ({db.param}, 'then')",
                           (version,))
        events = [(str(uuid.uuid4()), seq, kind, payload) for seq, (kind, payload) in
                  enumerate([("ticket_issued", ISSUED), ("ticket_called", '{"ticket":"A001"}'),
                             ("ticket_finished", FINISHED)], start=1)]
        for event_id, seq, kind, payload in events:
            db.execute_sql(
                "INSERT INTO received_event (id, office, seq, day, kind, payload, created_at, "
                f"received_at) VALUES ({', '.join([db.param] * 8)})",
                (event_id, "SRG", seq, DAY.isoformat(), kind, payload,
                 "2026-11-23 01:00:00", "2026-11-23 02:00:00"))
    yield events
    db.close()


def test_event_ids_become_16_bytes_keyed_by_day_and_every_event_survives(old_central):
    with db.connection_context():
        assert migrate(db, migrations)[:2] == ["m004_event_id_bytes", "m005_event_key_by_day"]
        stored = {e.id: (e.seq, e.kind, e.payload) for e in ReceivedEvent.select()}
        raw = db.execute_sql("SELECT id FROM received_event").fetchall()
        digest = day_digest("SRG", DAY)
        indexes = {name for (name,) in db.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'received_event'"
            if is_postgres(db) else
            "SELECT name FROM sqlite_master WHERE tbl_name = 'received_event'")}
        key = _primary_key(db, "received_event")
        resent = old_central[0]
        with pytest.raises(IntegrityError), db.atomic():
            ReceivedEvent.insert(id=resent[0], office="SRG", seq=resent[1], day=DAY,
                                 kind=resent[2], payload=resent[3],
                                 created_at="2026-11-23 01:00:00").execute()
    assert stored == {event_id: (seq, kind, payload)
                      for event_id, seq, kind, payload in old_central}
    assert {len(bytes(value)) for (value,) in raw} == {16}
    assert digest == compute_digest((event_id, kind, payload)
                                    for event_id, _, kind, payload in old_central)
    assert digest["passports_by_regency"] == {"3601": 1} and digest["events"] == 3
    assert key == ["office", "day", "id"]       # the digests read an office's days by it
    assert "received_event_office_day" not in indexes      # the key's prefix replaces it


def _primary_key(db, table):
    """The primary key's columns, in order."""
    if is_postgres(db):
        return [name for (name,) in db.execute_sql(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)", (table,))]
    return [name for _, name, *_, pk in sorted(db.execute_sql(f"PRAGMA table_info({table})"),
                                               key=lambda column: column[-1]) if pk]


def test_digests_read_an_office_s_days_from_the_key_alone(tmp_path):
    # The ids a digest hashes come from the (office, day, id) key, never from the rows.
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'central.db'}"})
    init_db()
    with db.connection_context():
        plan = db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT day, id FROM received_event "
            "WHERE office = 'SRG' AND day BETWEEN '2026-11-01' AND '2026-11-30' ORDER BY day"
        ).fetchall()
    assert any("COVERING INDEX sqlite_autoindex_received_event" in row[-1] for row in plan), plan


def test_merged_lanes_are_worked_out_again_from_the_transfers_held(old_central):
    """Before m006 a transfer that arrived after its ticket's finish left the old lane."""
    with db.connection_context():
        migrate_to(db, 5)
        transfer = ('{"from_lane":"general","staff":"siti","ticket":"A001",'
                    '"to_lane":"priority"}')
        db.execute_sql(
            "INSERT INTO received_event (id, office, seq, day, kind, payload, created_at, "
            f"received_at) VALUES ({', '.join([db.param] * 8)})",
            (bytes(16), "SRG", 2, DAY.isoformat(), "ticket_transferred", transfer,
             "2026-11-23 01:00:00", "2026-11-23 02:00:00"))
        for number, lane in (("A001", "general"), ("A002", "general"), ("A003", None)):
            db.execute_sql("INSERT INTO merged_ticket (office, day, number, lane, beyond_quota, "
                           "status, recalls, last_seq) VALUES "
                           f"('SRG', {db.param}, {db.param}, {db.param}, false, 'done', 0, 3)",
                           (DAY.isoformat(), number, lane))
        assert migrate(db, migrations)[:1] == ["m006_ticket_lane_seq"]
        lanes = {t.number: (t.lane, t.lane_seq) for t in MergedTicket.select()}
    assert lanes == {"A001": ("priority", 2), "A002": ("general", 1), "A003": (None, 0)}


def test_copies_of_an_event_under_other_days_are_undone_then_refused(old_central):
    """Before m007 an event re-pushed with another day was stored and counted again."""
    later = DAY.replace(day=24).isoformat()
    with db.connection_context():
        migrate_to(db, 6)
        finished = [e for e in old_central if e[2] == "ticket_finished"][0]
        db.execute_sql(
            "INSERT INTO received_event (id, office, seq, day, kind, payload, created_at, "
            f"received_at) VALUES ({', '.join([db.param] * 8)})",
            (uuid.UUID(finished[0]).bytes, "SRG", 3, later, "ticket_finished", FINISHED,
             "2026-11-23 01:00:00", "2026-11-25 02:00:00"))
        db.execute_sql("INSERT INTO passport_tally (office, day, regency, count) VALUES "
                       f"('SRG', {db.param}, '3601', 1), ('SRG', {db.param}, '3601', 1)",
                       (DAY.isoformat(), later))
        db.execute_sql("INSERT INTO merged_ticket (office, day, number, beyond_quota, status, "
                       "counter, outcome, recalls, last_seq, lane_seq) VALUES "
                       f"('SRG', {db.param}, 'A001', false, 'done', '1', 'passport_issued', "
                       "0, 3, 0)", (later,))
        assert migrate(db, migrations)[0] == "m007_event_once_per_office"
        days = sorted(str(e.day) for e in ReceivedEvent.select())
        tally = {str(p.day): p.count for p in PassportTally.select()}
        tickets = [str(t.day) for t in MergedTicket.select()]
        refused = [(q.event_id, str(q.day), q.reason) for q in QuarantinedEvent.select()]
        with pytest.raises(IntegrityError), db.atomic():
            ReceivedEvent.insert(id=finished[0], office="SRG", seq=3, day=later,
                                 kind="ticket_finished", payload=FINISHED,
                                 created_at="2026-11-23 01:00:00").execute()
    assert days == [DAY.isoformat()] * 3
    assert tally == {DAY.isoformat(): 1, later: 0} and tickets == []
    assert refused == [(finished[0], later, f"conflict: a copy of the event of {DAY}, "
                                            f"received again for {later}")]


def migrate_to(db, last):
    """Apply the scripts up to number `last`, as an older central would have."""
    migrator = PostgresqlMigrator(db.obj) if is_postgres(db) else SqliteMigrator(db.obj)
    applied = {v for (v,) in db.execute_sql("SELECT version FROM schema_version")}
    for info in sorted(pkgutil.iter_modules(migrations.__path__), key=lambda m: m.name):
        version = int(info.name[1:4])
        if version <= last and version not in applied:
            with db.atomic():
                importlib.import_module(f"central.migrations.{info.name}").up(db, migrator)
                db.execute_sql(f"INSERT INTO schema_version VALUES ({db.param}, 'then')",
                               (version,))


def test_m010_gives_offices_an_address_bookings_a_pass_column_and_central_its_first_key(
        old_central):
    from central.models import Change, Office, SigningKey
    with db.connection_context():
        migrate_to(db, 9)
        # m001 makes the live tables: take back what m010 adds, as an older central had it.
        db.execute_sql("ALTER TABLE office DROP COLUMN address")
        db.execute_sql("ALTER TABLE booking DROP COLUMN pass_token")
        db.execute_sql("DROP TABLE signing_key")
        db.execute_sql("INSERT INTO office (code, name, timezone, open_days, daily_quota, "
                       "slot_hours, slot_capacity, booking_window_days, hajj_regencies) VALUES "
                       "('SRG', 'Kantor Imigrasi Serang', 'Asia/Jakarta', '1,2,3,4,5', 140, "
                       "'8,9', 20, 30, '3601')")
        assert "m010_booking_site" in migrate(db, migrations)
        office = Office.get(Office.code == "SRG")
        keys = list(SigningKey.select())
        announced = [(c.kind, c.key, c.office) for c in Change.select()]
        columns = {c.name for c in db.get_columns("booking")}
        assert migrate(db, migrations) == []            # a second init-db: no second key
    assert (office.name, office.address, office.daily_quota) == ("Kantor Imigrasi Serang", "", 140)
    assert "pass_token" in columns
    assert len(keys) == 1 and announced == [("key", keys[0].kid, None)]


def test_m036_keys_merged_tickets_by_office_day_and_number_and_keeps_them(old_central):
    """PostgreSQL drops the serial id (an index and a sequence call per new ticket) and makes
    the unique (office, day, number) the key; SQLite keeps its rowid. Either way every
    ticket stays, and that key still refuses a second ticket of the same number."""
    with db.connection_context():
        migrate_to(db, 35)
        db.execute_sql("INSERT INTO merged_ticket (office, day, number, nik, beyond_quota, "
                       "status, recalls, last_seq, lane_seq) VALUES "
                       f"('SRG', {db.param}, 'A001', '3601014501900001', false, 'waiting', "
                       f"0, 1, 1), ('SRG', {db.param}, 'B002', NULL, false, 'called', 1, 2, 0)",
                       (DAY.isoformat(), DAY.isoformat()))
        assert migrate(db, migrations)[:1] == ["m036_ticket_key"]     # then any later ones
        tickets = {(str(t.day), t.number): (t.nik, t.status) for t in MergedTicket.select()}
        columns = {c.name for c in db.get_columns("merged_ticket")}
        key = db.get_primary_keys("merged_ticket")
        with pytest.raises(IntegrityError), db.atomic():
            MergedTicket.insert(office="SRG", day=DAY, number="A001").execute()
        MergedTicket.insert(office="SRG", day=DAY, number="A002").execute()
    assert tickets == {(DAY.isoformat(), "A001"): ("3601014501900001", "waiting"),
                       (DAY.isoformat(), "B002"): (None, "called")}
    if is_postgres(db):
        assert "id" not in columns and key == ["office", "day", "number"]
    else:
        assert "id" in columns and key == ["id"]


def test_m037_drops_stored_passes_of_format_1_and_the_booking_shows_a_keyed_one(old_central):
    from central.booking import booking_answer
    from central.models import Booking, Office
    with db.connection_context():
        migrate_to(db, 36)
        office = Office.create(code="SRG", name="Kantor Imigrasi Serang", daily_quota=140,
                               hajj_regencies="3601")
        old, new = (Booking.create(code=code, office=office, date=DAY, hour=9, name="Siti",
                                   nik=nik, purpose="general", pass_token=token)
                    for code, nik, token in (("SRG-OLD1", "3601014501900001", "AP1.AAAA"),
                                             ("SRG-NEW1", "3601014501900002", "AP2.BBBB")))
        assert migrate(db, migrations) == ["m037_keyed_passes"]
        old, new = Booking.get_by_id(old.id), Booking.get_by_id(new.id)
        shown = booking_answer(old)["pass"]
    assert (old.pass_token, new.pass_token) == (None, "AP2.BBBB")
    assert shown.startswith("AP2.")
