"""Central's admin commands: `flask --app central office add|update`, `suspend`,
`lift-suspension`, `demo-data`. Other modules add commands to `office_group`.
Each change is written to the audit log as cli:<os user> (central.admin.actions)."""
import functools
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from sync.errors import AntreanError

from .db import db
from .models import Office
from .offices import add_demo_offices, clock_now, get_office, office_dict
from .recovery import after_restore
from .signing import keys_group
from .suspensions import MAX_MONTHS, MIN_MONTHS

office_group = AppGroup("office", help="Add and change offices.")


def in_database(func):
    """Run the command with a database connection; refusals become clean CLI errors."""
    @with_appcontext
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with db.connection_context():
                return func(*args, **kwargs)
        except AntreanError as exc:
            raise click.ClickException(exc.message) from None
    return wrapper


def office_options(func):
    """The settings shared by `office add` and `office update` (None: leave as is)."""
    options = [
        click.option("--name", help="Full name, e.g. 'Kantor Imigrasi Serang'."),
        click.option("--quota", "daily_quota", type=int, help="Online bookings per day."),
        click.option("--timezone", help="IANA zone, e.g. Asia/Jakarta."),
        click.option("--open-days", help="ISO weekdays, Monday = 1, e.g. 1,2,3,4,5."),
        click.option("--slot-hours", help="Local start hours of the slots, e.g. 8,9,10."),
        click.option("--slot-capacity", type=int, help="Places per slot."),
        click.option("--window-days", "booking_window_days", type=int,
                     help="How many days ahead people may book."),
        click.option("--regencies", "hajj_regencies",
                     help="Regencies whose hajj applicants it serves, e.g. 3601,3602."),
        click.option("--address", help="Street address, shown to applicants with a booking."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@office_group.command("add")
@click.argument("code")
@office_options
@in_database
def office_add(code, **settings):
    """Create an office (refuses a code that exists: use `office update`)."""
    if not settings["name"]:
        raise click.UsageError("An office needs --name.")
    settings["timezone"] = settings["timezone"] or current_app.config["TIMEZONE"]
    if settings["booking_window_days"] is None:
        settings["booking_window_days"] = current_app.config["BOOKING_WINDOW_DAYS"]
    if Office.get_or_none(Office.code == code.upper()) is not None:
        raise click.ClickException(f"Office {code.upper()} exists; use `office update`.")
    office, _ = actions().save_office_audited(actor(), code, **settings)
    click.echo(f"created office {office.code}: {_describe(office)}")


@office_group.command("update")
@click.argument("code")
@office_options
@in_database
def office_update(code, **settings):
    """Change an existing office's settings."""
    get_office(code)
    office, outcome = actions().save_office_audited(actor(), code, **settings)
    click.echo(f"{outcome} office {office.code}: {_describe(office)}")


def _describe(office):
    d = office_dict(office)
    return (f"{d['name']}, {d['timezone']}, quota {d['daily_quota']}/day, slots "
            f"{d['slot_hours']} x {d['slot_capacity']}, open days {d['open_days']}, "
            f"window {d['booking_window_days']} days, hajj regencies {d['hajj_regencies']}, "
            f"address {d['address'] or '(none)'}")


@click.command("suspend")
@click.argument("nik")
@click.option("--months", type=int, required=True,
              help=f"Duration, {MIN_MONTHS} to {MAX_MONTHS} months.")
@click.option("--reason", required=True, help="Why (e.g. the falsification proven).")
@click.option("--starts", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (default: today in the default time zone).")
@in_database
def suspend_command(nik, months, reason, starts):
    """Suspend a NIK from passport services for 6 months to 2 years."""
    now = clock_now()
    starts_on = starts.date() if starts else _today(now)
    suspension = actions().issue_suspension_audited(actor(), nik, months, reason, starts_on, now)
    click.echo(f"suspension {suspension.id}: NIK {suspension.nik} suspended from "
               f"{suspension.starts_on} until {suspension.ends_on}")


@click.command("lift-suspension")
@click.argument("suspension_id", type=int)
@click.option("--reason", required=True, help="Why it ends early (e.g. overturned on appeal).")
@in_database
def lift_suspension_command(suspension_id, reason):
    """Lift a suspension early (e.g. overturned on appeal)."""
    suspension = actions().lift_suspension_audited(actor(), suspension_id, reason, clock_now())
    click.echo(f"suspension {suspension.id} of NIK {suspension.nik} lifted")


@click.command("demo-data")
@in_database
def demo_data_command():
    """Create the demo offices SRG and CLG (idempotent)."""
    for office, outcome in add_demo_offices():
        click.echo(f"{outcome} office {office.code}: {office.name}")


def actions():
    """The audited actions (imported late: the admin package imports this module)."""
    from .admin import actions
    return actions


def actor():
    from .admin.audit import cli_actor
    return cli_actor()


@click.command("after-restore")
@in_database
def after_restore_command():
    """After restoring central from a backup: every branch learns again what it must."""
    click.echo(after_restore_summary())


def after_restore_summary():
    """central.recovery.after_restore, said in a line (also run by `restore`)."""
    offices, suspensions = after_restore()
    return (f"change log jumped ahead; {offices} office(s) and {suspensions} suspension(s) "
            "recorded again: each branch's next sync pulls them, reconciles every day and "
            "re-sends the events central lost")


def _today(now):
    return now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def register_cli(app):
    """Add central's admin commands to `flask --app central`."""
    app.cli.add_command(office_group)
    app.cli.add_command(keys_group)
    for command in (suspend_command, lift_suspension_command, demo_data_command,
                    after_restore_command):
        app.cli.add_command(command)
