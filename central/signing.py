"""Central's signing keys: the first made by init-db, the next by `flask --app central keys rotate`.

The private keys live in central's own database, not in a file of the instance
folder: every worker and every host of central reads the same keys without
copying secrets around; a rotation and the change-log entry that announces it
to branches are one transaction, so no branch can see one without the other;
and the keys are backed up with the data they sign. (A lost key could not be
replaced without visiting every branch, since a branch accepts a new key only
when a key it already trusts signed it.) The private key is never sent anywhere:
no API, page or change carries it. Besides the public keys, a branch gets each
key's pass secret for its own office (sync.signing.pass_secret, derived from the
private key, which it does not reveal), in every answer of its authenticated
sync pull, and never in GET /api/v1/keys or the change log, which every branch
(and every old copy of the log) would hold.
"""
import json

import click
from flask.cli import AppGroup, with_appcontext

from sync import signing
from sync.database import write_transaction

from .changes import record_change
from .db import db
from .models import SigningKey, utcnow

keys_group = AppGroup("keys", help="Central's signing keys (booking passes, suspension list).")
_parsed = {}    # kid -> private key object: parsing costs more than the booking's SQL


def ensure_key():
    """The newest signing key, made (and announced, self-signed) if there is none."""
    with write_transaction(db):
        newest = _newest()
        if newest is not None:
            return newest
        private = signing.new_private_key()
        public = signing.public_text(private)
        return _store(private, signing.announce_key(public, private, signing.key_id(public)))


def rotate_key():
    """A new signing key, announced to branches signed by the key it replaces."""
    with write_transaction(db):
        old = _newest()
        private = signing.new_private_key()
        public = signing.public_text(private)
        if old is None:
            return _store(private, signing.announce_key(public, private, signing.key_id(public)))
        return _store(private, signing.announce_key(public, _private(old), old.kid))


def _store(private, announcement):
    key = SigningKey.create(kid=announcement["kid"], public_key=announcement["public_key"],
                            private_key=signing.private_text(private),
                            announcement=json.dumps(announcement), created_at=utcnow())
    record_change("key", key.kid, announcement)     # office None: every branch must see it
    return key


def _newest():
    return SigningKey.select().order_by(SigningKey.id.desc()).first()


def _private(key):
    if key.kid not in _parsed:
        _parsed[key.kid] = signing.load_private(key.private_key)
    return _parsed[key.kid]


def signer():
    """(kid, private key) of the key that signs now: the newest."""
    row = (SigningKey.select(SigningKey.id, SigningKey.kid, SigningKey.private_key)
           .order_by(SigningKey.id.desc()).first())
    if row is None:
        raise RuntimeError("central has no signing key: run `flask --app central init-db`")
    return row.kid, _private(row)


def public_keys():
    """Every key's public half and announcement, oldest first (GET /api/v1/keys)."""
    newest = _newest()
    return [{**json.loads(key.announcement), "created_at": key.created_at.isoformat() + "Z",
             "current": key.id == newest.id}
            for key in SigningKey.select().order_by(SigningKey.id)]


def pass_secrets(office):
    """{kid: pass secret (base64)} of every key for `office`: what its branch needs to
    check the NIK on the passes each key signs for it (GET /api/v1/sync/changes)."""
    return {key.kid: signing.pass_secret_text(_private(key), office)
            for key in SigningKey.select(SigningKey.kid, SigningKey.private_key)}


def booking_pass(code, office, day, hour, nik):
    """The signed pass of a booking (sync.signing.make_pass) with the current key."""
    kid, private = signer()
    return signing.make_pass(private, kid, code, office, day, hour, nik)


@keys_group.command("rotate")
@with_appcontext
def rotate_command():
    """Make a new signing key; branches learn it through sync, signed by the old one."""
    with db.connection_context():
        key = rotate_key()
    click.echo(f"new signing key {key.kid}: announced to branches, signed by the previous key")


@keys_group.command("list")
@with_appcontext
def list_command():
    """The signing keys, oldest first; the newest signs."""
    with db.connection_context():
        keys = public_keys()
    for key in keys:
        mark = "  (signs now)" if key["current"] else ""
        click.echo(f"{key['kid']}  {key['created_at']}  signed by {key['signed_by']}{mark}")
