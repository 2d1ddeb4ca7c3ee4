"""Flask commands: seed-demo, send-mail, steward add|remove|list."""

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from sqlalchemy import select

from eventsite import attendees, demo
from eventsite.database import immediate_writes
from eventsite.extensions import db
from eventsite.mail import deliver, pending_count
from eventsite.models import Person
from eventsite.people import make_steward, remove_steward


@click.command("seed-demo")
@click.option("--events", type=click.IntRange(0), default=None, help="Generate this many events (benchmark data).")
@click.option("--people", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--rsvps", type=click.IntRange(0), default=10000, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has events.")
def seed_demo(events, people, rsvps, if_empty):
    """Load a believable demo network, or with --events a large data set for benchmarks."""
    with immediate_writes():
        if if_empty and demo.has_events():
            click.echo("The database already has gatherings: demo data not loaded.")
            return
        summary = demo.seed_network() if events is None else demo.seed_bulk(events=events, people=people, rsvps=rsvps)
        db.session.commit()
        click.echo(summary)


@click.command("send-mail")
def send_mail():
    """Send queued email (after an SMTP outage, or from cron)."""
    with immediate_writes():
        sent, failed = deliver()
        click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")
        if failed:
            raise SystemExit(1)


@click.command("send-reminders")
def send_reminders():
    """Email everyone going to a gathering that starts within a day (run from cron; safe to repeat)."""
    with immediate_writes():
        count = attendees.send_reminders()
        db.session.commit()
    click.echo(f"Queued {count} reminder{'' if count == 1 else 's'}.")
    with immediate_writes():
        sent, failed = deliver()
    click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")


steward = AppGroup("steward", help="Stewards review held and reported gatherings.")


def _email(ctx, param, value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error)) from None


@steward.command("add")
@click.argument("email", callback=_email)
def steward_add(email):
    """Make EMAIL a steward (creating the person if needed)."""
    with immediate_writes():
        make_steward(email)
        db.session.commit()
        click.echo(f"{email} is a steward.")


@steward.command("remove")
@click.argument("email", callback=_email)
def steward_remove(email):
    """Stop EMAIL being a steward."""
    with immediate_writes():
        if remove_steward(email) is None:
            raise click.BadParameter(f"nobody has the address {email}", param_hint="EMAIL")
        db.session.commit()
        click.echo(f"{email} is no longer a steward.")


@steward.command("list")
def steward_list():
    """List the stewards."""
    for person in db.session.scalars(select(Person).where(Person.is_steward).order_by(Person.email)):
        click.echo(person.email)


commands = (seed_demo, send_mail, send_reminders, steward)
