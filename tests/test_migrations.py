"""Migrations build the schema the models describe, both ways; seed-demo fills a database."""

import logging.config
import warnings

import flask_migrate
import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from config import Config, database_url
from eventsite import create_app
from eventsite.extensions import db
from eventsite.models import Event, EventKind, Person, Rsvp, RsvpStatus, Series
from tests.conftest import PG_URL

MIGRATIONS_DATABASE = "eventsite_migrations"


def _drop_pg_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {MIGRATIONS_DATABASE} WITH (FORCE)")


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """A URL to a database with no tables at all: a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    admin_url = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    _drop_pg_database(admin_url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {MIGRATIONS_DATABASE}")
    yield make_url(database_url(PG_URL)).set(database=MIGRATIONS_DATABASE).render_as_string(hide_password=False)
    _drop_pg_database(admin_url)


@pytest.fixture
def bare_app(empty_database_url, monkeypatch):
    """An app on the empty database; unlike the ``app`` fixture, nothing calls create_all."""
    # migrations/env.py calls logging.config.fileConfig(), which would reconfigure
    # logging (handlers, levels) for the rest of the test session.
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    app = create_app(
        Config, TESTING=True, SECRET_KEY="test-secret", MODERATION="open", SQLALCHEMY_DATABASE_URI=empty_database_url
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema_differences() -> list:
    """What autogenerate would change. SQLite's indexes on expressions cannot be reflected,
    so it skips them (with a warning): ``index_names`` checks those exist."""
    with db.engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def index_names(table: str) -> set[str]:
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table")
        else:
            query = text("SELECT indexname FROM pg_indexes WHERE tablename = :table")
        return set(connection.execute(query, {"table": table}).scalars())


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(app) -> str:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def test_upgrade_on_an_empty_database_creates_every_model_table(bare_app):
    assert table_names() == set()

    flask_migrate.upgrade()

    assert table_names() == set(db.metadata.tables)
    assert current_revision() == head_revision(bare_app)


def test_migrated_schema_matches_the_models(bare_app):
    flask_migrate.upgrade()

    assert schema_differences() == []
    assert "ix_person_email_lower" in index_names("person")  # an address in any case: one lookup


def test_downgrade_to_base_then_upgrade_again_rebuilds_the_schema(bare_app):
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision="base")
    assert table_names() == set()
    assert current_revision() is None

    flask_migrate.upgrade()
    assert table_names() == set(db.metadata.tables)
    assert schema_differences() == []


# -- seed-demo ----------------------------------------------------------------------------------


@pytest.fixture
def seed(runner):
    """Run ``flask seed-demo`` with arguments; the output and exit code are checked by the test."""
    return lambda *args: runner.invoke(args=["seed-demo", *args])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def going_beyond_capacity() -> list[tuple[int, int, int]]:
    """(event id, capacity, people going) for every event with more going than it holds."""
    going = func.sum(1 + Rsvp.guests)
    query = (
        select(Event.id, Event.capacity, going)
        .join(Rsvp, Rsvp.event_id == Event.id)
        .where(Rsvp.status == RsvpStatus.GOING, Event.capacity.is_not(None))
        .group_by(Event.id, Event.capacity)
        .having(going > Event.capacity)
    )
    return [tuple(row) for row in db.session.execute(query)]


def test_seed_demo_loads_about_forty_gatherings_of_every_kind(seed):
    result = seed()

    assert result.exit_code == 0, result.output
    assert "Demo network" in result.output
    one_offs = db.session.scalar(select(func.count()).select_from(Event).where(Event.series_id.is_(None)))
    assert 35 <= one_offs + count(Series) <= 45  # a series counts once, however many sessions it has
    assert set(db.session.scalars(select(Event.kind).distinct())) == set(EventKind)
    assert count(Rsvp) > 0
    assert going_beyond_capacity() == []


def test_seed_demo_if_empty_leaves_a_database_with_events_alone(seed):
    assert seed().exit_code == 0
    events, people, rsvps = count(Event), count(Person), count(Rsvp)

    result = seed("--if-empty")

    assert result.exit_code == 0, result.output
    assert "already has gatherings" in result.output
    assert (count(Event), count(Person), count(Rsvp)) == (events, people, rsvps)


def test_seed_demo_if_empty_loads_an_empty_database(seed):
    result = seed("--if-empty")

    assert result.exit_code == 0, result.output
    assert count(Event) > 0


def test_seed_demo_bulk_creates_exactly_what_was_asked_within_capacity(seed):
    result = seed("--events", "200", "--people", "300", "--rsvps", "1000")

    assert result.exit_code == 0, result.output
    assert (count(Event), count(Person), count(Rsvp)) == (200, 300, 1000)
    assert going_beyond_capacity() == []
