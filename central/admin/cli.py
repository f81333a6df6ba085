"""`flask --app central admin add USER --role admin|viewer`, `admin list`, `admin disable USER`.

The password is asked for (twice, hidden) on a terminal, and read as the first
line of standard input otherwise (`echo "$PW" | flask --app central admin add ...`).
Every change is audited as cli:<os user>.
"""
import sys

import click
from flask.cli import AppGroup

from sync.database import write_transaction

from ..cli import in_database
from ..db import db
from . import audit
from .accounts import ROLES, disable_account, save_account
from .models import AdminAccount

admin_group = AppGroup("admin", help="Accounts of the admin console (/admin/).")


def read_password():
    """The new password: prompted on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@admin_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="viewer: reads every page; admin: also acts.")
@in_database
def add_command(username, role):
    """Create an account, or set a new password and role for an existing one."""
    password = read_password()
    with write_transaction(db):
        account, outcome = save_account(username, password, role)
        audit.record(audit.cli_actor(), f"account.{outcome}", f"account:{username}",
                     role=role, password="set")
    click.echo(f"{outcome} admin account {account.username} ({account.role})")


@admin_group.command("list")
@in_database
def list_command():
    """Every account: name, role, enabled or disabled, created."""
    for account in AdminAccount.select().order_by(AdminAccount.username):
        state = "disabled" if account.disabled else "enabled"
        click.echo(f"{account.username}\t{account.role}\t{state}\t"
                   f"{account.created_at:%Y-%m-%d %H:%M} UTC")


@admin_group.command("disable")
@click.argument("username")
@in_database
def disable_command(username):
    """Disable an account; its open sessions end at once."""
    with write_transaction(db):
        account = disable_account(username)
        if account is None:
            raise click.ClickException(f"There is no admin account {username!r}.")
        audit.record(audit.cli_actor(), "account.disabled", f"account:{username}")
    click.echo(f"disabled admin account {username}; its sessions have ended")
