"""Per-office sync tokens: issued once, stored only as a sha256 hash.

A token acts for its own office only. Issuing a new one revokes the old one,
because only the newest hash is kept.
"""
import hashlib
import secrets

import click
from flask import request
from flask.cli import with_appcontext

from sync.errors import AntreanError

from .db import db
from .models import Office, utcnow


class Unauthorized(AntreanError):
    status, code = 401, "unauthorized"


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(code):
    """A new token for office `code` (the previous one stops working); None if no such office."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        updated = (Office.update(token_hash=token_hash(token), token_issued_at=utcnow())
                   .where(Office.code == code.upper()).execute())
    return token if updated else None


def office_for_token(token):
    """The office this token acts for; Unauthorized when missing, wrong or revoked."""
    if not token:
        raise Unauthorized("Send the office's sync token: Authorization: Bearer <token>.")
    office = Office.get_or_none(Office.token_hash == token_hash(token))
    if office is None:
        raise Unauthorized("This sync token is wrong or has been revoked; "
                           "ask central for the office's current token.")
    return office


def bearer_token():
    """The token of the current request's Authorization header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@click.command("token")
@click.argument("code")
@with_appcontext
def token_command(code):
    """Print a new sync token for office CODE and revoke the previous one."""
    with db.connection_context():
        token = issue_token(code)
    if token is None:
        raise click.ClickException(f"There is no office with code {code!r}.")
    click.echo(token)
