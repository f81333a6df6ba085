"""Per-office sync tokens: stored only as sha256 hashes, replaced only on purpose.

A token acts for its own office only. `office token CODE` issues the first one;
an office that has one keeps it until an admin asks for `--rotate`, and the
replaced token keeps working for a grace period (TOKEN_GRACE_HOURS, default 24)
so the branch can be given the new one without its sync stopping meanwhile.
When each token was last used is kept to the minute (`office tokens`).
"""
import hashlib
import secrets
from datetime import timedelta

import click
from flask import current_app, request
from flask.cli import with_appcontext

from sync.errors import AntreanError
from sync.i18n import _

from .db import db
from .models import Office, naive_utc
from .offices import clock_now

USE_NOTED_EVERY = timedelta(minutes=1)     # a push a second must not write the office a second


class Unauthorized(AntreanError):
    status, code = 401, "unauthorized"


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(code, grace_hours=0):
    """A new token for office `code`; the one it replaces keeps working `grace_hours`
    more (0: it stops now). None if there is no such office."""
    token, now = secrets.token_urlsafe(32), _now()
    with db.atomic():
        office = Office.get_or_none(Office.code == code.upper())
        if office is None:
            return None
        if office.token_hash and grace_hours > 0:
            office.previous_token_hash = office.token_hash
            office.previous_token_until = now + timedelta(hours=grace_hours)
            office.previous_token_used_at = office.token_used_at
        else:
            office.previous_token_hash = office.previous_token_until = None
            office.previous_token_used_at = None
        office.token_hash, office.token_issued_at, office.token_used_at = (
            token_hash(token), now, None)
        office.save()
    return token


def office_for_token(token):
    """The office this token acts for; Unauthorized when missing, wrong or revoked (a
    replaced token past its grace period is revoked)."""
    if not token:
        raise Unauthorized(_("Send the office's sync token: Authorization: Bearer <token>."))
    hashed, now = token_hash(token), _now()
    office = Office.get_or_none(Office.token_hash == hashed)
    used = "token_used_at"
    if office is None:
        office = Office.get_or_none(Office.previous_token_hash == hashed,
                                    Office.previous_token_until > now)
        used = "previous_token_used_at"
    if office is None:
        raise Unauthorized(_("This sync token is wrong or has been revoked; ask central for "
                             "the office's current token."))
    _note_use(office, used, now)
    return office


def _note_use(office, column, now):
    """Remember when the token was used, at most once a minute (a conditional update, so
    two workers never write it twice)."""
    last = getattr(office, column)
    if last is not None and now - last < USE_NOTED_EVERY:
        return
    field = getattr(Office, column)
    (Office.update({field: now})
     .where(Office.id == office.id, (field.is_null()) | (field < now - USE_NOTED_EVERY))
     .execute())


def bearer_token():
    """The token of the current request's Authorization header, or None."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _now():
    return naive_utc(clock_now())


@click.command("token")
@click.argument("code")
@click.option("--rotate", is_flag=True, help="Replace the office's token; the old one keeps "
              "working for the grace period.")
@click.option("--grace-hours", type=click.IntRange(0, 24 * 30), default=None,
              help="How long the replaced token keeps working (default: TOKEN_GRACE_HOURS; "
                   "0 revokes it at once, e.g. when it leaked).")
@with_appcontext
def token_command(code, rotate, grace_hours):
    """Print a sync token for office CODE: its first, or with --rotate a new one."""
    grace = current_app.config["TOKEN_GRACE_HOURS"] if grace_hours is None else grace_hours
    with db.connection_context():
        office = Office.get_or_none(Office.code == code.upper())
        if office is None:
            raise click.ClickException(_("There is no office with code %(code)s.",
                                         code=code.upper()))
        if office.token_hash and not rotate:
            raise click.ClickException(_(
                "Office %(code)s has a sync token already (its branch uses it). To replace "
                "it, run: flask --app central office token %(code)s --rotate (the old token "
                "keeps working for %(hours)d hours).", code=office.code, hours=grace))
        had_one = bool(office.token_hash)
        token = issue_token(code, grace_hours=grace)
    click.echo(token)
    if had_one:
        click.echo(_("The previous token keeps working for %(hours)d hours.", hours=grace)
                   if grace else _("The previous token no longer works."), err=True)


@click.command("tokens")
@with_appcontext
def tokens_command():
    """List each office's sync token: created, last used, a replaced one still valid."""
    with db.connection_context():
        offices = list(Office.select().order_by(Office.code))
        now = _now()
    click.echo("\t".join([_("office"), _("created"), _("last used"),
                          _("previous token valid until"), _("previous last used")]))
    for office in offices:
        grace = office.previous_token_until if office.previous_token_hash and \
            office.previous_token_until and office.previous_token_until > now else None
        click.echo("\t".join([office.code, _when(office.token_issued_at, _("no token")),
                              _when(office.token_used_at), _when(grace),
                              _when(office.previous_token_used_at if grace else None)]))


def _when(moment, missing="-"):
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else missing
