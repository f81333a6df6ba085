"""Numbers stay unique when many kiosks issue at once: threads, and separate processes."""
import multiprocessing
import threading

from branch import create_app
from branch.db import db
from branch.errors import CapReached
from branch.models import Outbox, Ticket
from branch.tickets import issue_ticket
from branch_support import nik_for


def issue_many(app, count, first, lane="general"):
    """`count` tickets for people first, first + 1, ... (one waiting ticket per NIK and lane)."""
    with app.app_context(), db.connection_context():
        return [issue_ticket(lane, nik_for(first + n)).number for n in range(count)]


def test_threads_never_share_a_number(branch_app):
    branch_app.config["CAP_GENERAL"] = 1000
    results, start = [], threading.Barrier(8)

    def kiosk(index):
        start.wait()
        results.extend(issue_many(branch_app, 25, 1 + 25 * index))

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [f"A{n:03d}" for n in range(1, 201)]
    assert sorted(results) == expected
    assert sorted(t.number for t in Ticket.select()) == expected
    assert Outbox.select().where(Outbox.kind == "ticket_issued").count() == 200


def process_kiosk(database_url, count, first, start):
    """Runs in a spawned process: its own app, its own connection, same SQLite file."""
    app = create_app({"OFFICE": "SRG", "DATABASE_URL": database_url})
    start.wait()
    return issue_many(app, count, first)


def test_processes_never_share_a_number(branch_app, db_path):
    url = f"sqlite:///{db_path}"
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with context.Pool(4) as pool:
            batches = pool.starmap(process_kiosk, [(url, 25, 1 + 25 * i, start)
                                                   for i in range(4)])
    numbers = [n for batch in batches for n in batch]
    expected = [f"A{n:03d}" for n in range(1, 101)]
    assert sorted(numbers) == expected
    assert sorted(t.number for t in Ticket.select()) == expected
    assert Outbox.select().count() == 100


def test_the_cap_holds_under_concurrency(branch_app):
    branch_app.config["CAP_GENERAL"] = 30
    issued, refused, start = [], [], threading.Barrier(6)

    def kiosk(index):
        start.wait()
        with branch_app.app_context(), db.connection_context():
            for n in range(10):
                try:
                    issued.append(issue_ticket("general", nik_for(1 + 10 * index + n)).number)
                except CapReached:
                    refused.append(1)

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(issued), len(refused)) == (30, 30)
    assert Ticket.select().count() == 30
