"""Flask commands: seed-demo, send-mail, purge, backup, extend-series, brew-match, sync-imports,
steward add|remove|list."""

from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from eventsite import again, attendees, brew_meetings, brew_rounds, demo, imports, mail, retention, series
from eventsite.backup import BackupFailed, backup_sqlite
from eventsite.brew_meetings import MISSED_ROUNDS_TO_PAUSE as MISSED_ROUNDS
from eventsite.database import immediate_writes
from eventsite.deploy import deploy_problems
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.i18n import speaking
from eventsite.mail import deliver, pending_count
from eventsite.models import ImportSource, Person
from eventsite.people import make_steward, remove_steward
from eventsite.rsvps import lapsed_hold_events, locked_event
from eventsite.series_mail import ask_still_happening


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
@click.option("--watch", is_flag=True, help="Keep sending as mail is queued, until stopped (MAIL_DELIVERY=worker).")
@click.option("--every", type=click.FloatRange(0.05), default=1.0, show_default=True, help="Seconds between looks.")
def send_mail(watch, every):
    """Send queued email (after an SMTP outage, or from cron); with --watch, as a service."""
    with immediate_writes():
        if watch:
            click.echo(f"Sending queued mail as it comes (every {every:g} s); stop with Ctrl-C or SIGTERM.")
            mail.watch(every)
            return
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


@click.command("send-follow-ups")
def send_follow_ups():
    """Ask everyone who was going, the day after, "Did you make it?", and each brew pair, after
    their meeting time, "Did you meet?"; close brew meetings a week after that, pausing anyone
    silent for three in a row (cron, hourly; safe to repeat)."""
    with immediate_writes():
        count = again.send_follow_ups()
        brews = brew_meetings.send_follow_ups()
        paused = brew_meetings.close_finished_meetings()
        db.session.commit()
    click.echo(f"Queued {count} follow-up{'' if count == 1 else 's'}, and {brews} for brews.")
    if paused:
        click.echo(f"Paused {paused} brew member{'' if paused == 1 else 's'} after {MISSED_ROUNDS} silent meetings.")
    with immediate_writes():
        sent, failed = deliver()
    click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")


@click.command("brew-match")
def brew_match():
    """Start a brew and biscuits round: pair everyone ready and email the introductions (cron,
    e.g. fortnightly). When nobody can be paired, says why, changes nothing and exits 1."""
    with immediate_writes():
        try:
            brew_round = brew_rounds.start_round()
        except InvalidInput as error:
            db.session.rollback()
            click.echo(error.message, err=True)
            raise SystemExit(1) from None
        db.session.commit()
    pairs, trios = brew_round.pairs, brew_round.trios
    click.echo(
        f"Round {brew_round.id}: {brew_round.eligible} ready, {pairs} pair{'' if pairs == 1 else 's'}, "
        f"{trios} trio{'' if trios == 1 else 's'}, {brew_round.left_out} left out."
    )
    with immediate_writes():
        sent, failed = deliver()
    click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")


@click.command("sync-imports")
def sync_imports():
    """Fetch every calendar kept in sync again and apply what changed there (cron, hourly).
    Each calendar is fetched outside any transaction, then applied in its own."""
    for source_id in [source.id for source in imports.sources_to_sync()]:
        source = db.session.get(ImportSource, source_id)
        address, language = (source.url, source.etag, source.last_modified), source.person.language
        db.session.rollback()  # no transaction stays open while it fetches
        with speaking(language):  # why it failed, shown to its importer on /me, in their language
            fetched = imports.fetch_again(*address)
            with immediate_writes():
                source = db.session.get(ImportSource, source_id)
                outcome = imports.sync(source, fetched)
                db.session.commit()
        label = f"Calendar {source.id}"  # not its address: a private calendar's address is a secret
        if source.last_error:
            click.echo(f"{label}: {source.last_error}", err=True)
        elif outcome is None:
            click.echo(f"{label}: unchanged")
        else:
            click.echo(
                f"{label}: {len(outcome.made)} new, {len(outcome.updated)} updated, "
                f"{len(outcome.cancelled)} cancelled, {len(outcome.refused)} refused"
            )
    with immediate_writes():
        sent, failed = deliver()
    click.echo(f"Sent {sent}, failed {failed}, still queued {pending_count()}.")


@click.command("release-holds")
def release_holds():
    """Give places held for unconfirmed answers that have lapsed to the waitlist (cron, every few minutes)."""
    promoted = 0
    with immediate_writes():
        for event_id in lapsed_hold_events():
            promoted += len(attendees.release_holds(locked_event(event_id)))
            db.session.commit()  # one event at a time: no lock held for long
        sent, failed = deliver()
    click.echo(f"Promoted {promoted} from waitlists. Sent {sent}, failed {failed}, still queued {pending_count()}.")


@click.command("check-deploy")
def check_deploy():
    """List the settings that are unsafe in production, each with its fix; exit 1 on any failure."""
    problems = deploy_problems(current_app.config)
    for problem in problems:
        click.echo(str(problem))
    if any(problem.is_failure for problem in problems):
        raise SystemExit(1)
    click.echo("No unsafe production settings." if not problems else "No failures; read the warnings above.")


@click.command("purge")
def purge():
    """Remove the names and addresses behind answers to gatherings that ended over
    PURGE_ANSWERS_AFTER_DAYS ago, old mail and links, and people left with nothing (cron, daily)."""
    with immediate_writes():
        purged = retention.purge()
        db.session.commit()
    click.echo(str(purged))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path):
    """Write a consistent copy of the SQLite database to the new file PATH, while the site serves."""
    try:
        click.echo(backup_sqlite(path))
    except BackupFailed as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None


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


@click.command("extend-series")
def extend_series():
    """Add each running series' sessions up to SERIES_HORIZON_DAYS ahead, ask the hosts of
    series with no end whether they still happen, and pause those nobody answered (cron, daily)."""
    with immediate_writes():
        done = series.look_after_series()
        for each in done["ask"]:
            ask_still_happening(each)
        db.session.commit()
    made = ", ".join(f"#{each.id}" for each in done["extended"]) or "none"
    click.echo(f"Series extended: {made}. Asked: {len(done['ask'])}. Paused: {len(done['paused'])}.")
    with immediate_writes():
        deliver()


commands = (seed_demo, send_mail, send_reminders, send_follow_ups, check_deploy, release_holds, purge, backup, steward,
            extend_series, brew_match, sync_imports)  # fmt: skip
