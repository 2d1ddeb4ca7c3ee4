"""Flask commands: seed-demo, send-mail, steward add|remove|list."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from eventsite import demo
from eventsite.database import begin_writes
from eventsite.extensions import db
from eventsite.mail import deliver, pending_count
from eventsite.models import Person
from eventsite.people import make_steward


@click.command("seed-demo")
@click.option("--events", type=click.IntRange(0), default=None, help="Generate this many events (benchmark data).")
@click.option("--people", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--rsvps", type=click.IntRange(0), default=10000, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has events.")
def seed_demo(events, people, rsvps, if_empty):
    """Load a believable demo network, or with --events a large data set for benchmarks."""
    if if_empty and demo.has_events():
        click.echo("The database already has gatherings: demo data not loaded.")
        return
    begin_writes()
    summary = demo.seed_network() if events is None else demo.seed_bulk(events=events, people=people, rsvps=rsvps)
    db.session.commit()
    click.echo(summary)


@click.command("send-mail")
def send_mail():
    """Send queued email (after an SMTP outage, or from cron)."""
    begin_writes()
    sent, failed = deliver()
    click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")
    if failed:
        raise SystemExit(1)


steward = AppGroup("steward", help="Stewards review held and reported gatherings.")


@steward.command("add")
@click.argument("email")
def steward_add(email):
    """Make EMAIL a steward (creating the person if needed)."""
    begin_writes()
    make_steward(email, True)
    db.session.commit()
    click.echo(f"{email} is a steward.")


@steward.command("remove")
@click.argument("email")
def steward_remove(email):
    """Stop EMAIL being a steward."""
    begin_writes()
    make_steward(email, False)
    db.session.commit()
    click.echo(f"{email} is no longer a steward.")


@steward.command("list")
def steward_list():
    """List the stewards."""
    for person in db.session.scalars(select(Person).where(Person.is_steward).order_by(Person.email)):
        click.echo(person.email)


commands = (seed_demo, send_mail, steward)
