"""Sync fixtures: central served for real (in a thread, behind fault injection) and a branch."""
from types import SimpleNamespace

import pytest
from sync_support import Faults, ServerThread, central_app

from branch.db import db as branch_db, init_db as init_branch_db
from central.db import db as central_db
from sync.database import open_database
from sync.job import load_settings


@pytest.fixture
def central_url(tmp_path):
    """Central's database for the job tests (test_job_postgres.py swaps in PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'central.db'}"


@pytest.fixture
def central(central_url):
    """Central on its own database, served over HTTP with a Faults plan in front."""
    app, tokens = central_app(central_url)
    faults = Faults(app.wsgi_app)
    server = ServerThread(faults)
    yield SimpleNamespace(app=app, url=server.url, tokens=tokens, faults=faults)
    server.stop()


@pytest.fixture
def api(central_db_url):
    """Central's test client on SQLite and PostgreSQL, with the tokens of SRG and CLG."""
    app, tokens = central_app(central_db_url)
    yield SimpleNamespace(app=app, client=app.test_client(), tokens=tokens,
                          auth=lambda code="SRG": {"Authorization": f"Bearer {tokens[code]}"})
    if not central_db.is_closed():
        central_db.close()


@pytest.fixture
def branch(tmp_path, central):
    """The SRG branch's settings (a temp SQLite file) pointing at `central`."""
    cfg = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'branch.db'}",
                         "OFFICE": "SRG", "CENTRAL_URL": central.url,
                         "TOKEN": central.tokens["SRG"], "SYNC_MAX_SECONDS": 20,
                         "SYNC_TIMEOUT": 1.0, "SYNC_BATCH_EVENTS": 100})
    branch_db.initialize(open_database(cfg["DATABASE_URL"]))
    init_branch_db()
    branch_db.connect(reuse_if_open=True)
    yield cfg
    if not branch_db.is_closed():
        branch_db.close()
