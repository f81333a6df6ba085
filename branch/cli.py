"""Command line: staff accounts, counters and demo data (`flask --app branch ...`)."""
import click
from flask.cli import AppGroup

from sync.i18n import _
from sync.schema import MAX_COUNTER, printable

from . import auth
from .db import db, init_db
from .models import Counter

staff_cli = AppGroup("staff", help="Staff accounts.")
counter_cli = AppGroup("counter", help="Counters (desks).")


@staff_cli.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(auth.ROLES), default="staff", show_default=True)
@click.password_option(help="Asked for when not given.")
def add_staff(username, role, password):
    """Create a staff account (or reset its password and role)."""
    with db.connection_context():
        auth.create_staff(username, password, role)
    click.echo(f"staff {username} ({role}) saved")


@counter_cli.command("add")
@click.argument("name")
def add_counter(name):
    """Open a counter (re-opens it if it was closed)."""
    with db.connection_context():
        add_counters([name])
    click.echo(f"counter {name} is open")


def add_counters(names):
    """Create or re-activate the named counters (names as the wire allows them)."""
    for name in names:
        if not 0 < len(str(name)) <= MAX_COUNTER or not printable(str(name)):
            raise click.ClickException(_("A counter name has 1 to %(count)d characters, "
                                         "without control characters.", count=MAX_COUNTER))
        counter, _created = Counter.get_or_create(name=str(name))
        if not counter.active:
            counter.active = True
            counter.save()


@click.command("demo-data")
@click.option("--password", required=True, help="Password for the users staff and supervisor.")
def demo_data(password):
    """Demo accounts "staff" and "supervisor" and counters 1-4 (idempotent)."""
    init_db()
    with db.connection_context():
        auth.create_staff("staff", password, "staff")
        auth.create_staff("supervisor", password, "supervisor")
        add_counters(["1", "2", "3", "4"])
    click.echo("demo data ready: users staff and supervisor, counters 1-4")


def init_app(app):
    app.cli.add_command(staff_cli)
    app.cli.add_command(counter_cli)
    app.cli.add_command(demo_data)
