"""eventsite: a participatory gathering organiser."""

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEV_SECRET_KEY, Config
from eventsite import assets, cache, database, i18n, mail, models, security  # noqa: F401 - models register their tables
from eventsite.cli import commands as cli_commands
from eventsite.extensions import csrf, db, limiter, login_manager
from eventsite.fast_feed import FastSharedFeed
from eventsite.mail import DELIVERY_MODES
from eventsite.moderation import MODERATION_MODES
from eventsite.times import is_timezone
from eventsite.views import again as again_views
from eventsite.views import auth as auth_views
from eventsite.views import brew as brew_views
from eventsite.views import brew_stewards as brew_steward_views
from eventsite.views import errors as error_views
from eventsite.views import events as event_views
from eventsite.views import feeds as feed_views
from eventsite.views import hosting as hosting_views
from eventsite.views import idea_poll as idea_poll_views
from eventsite.views import ideas as idea_views
from eventsite.views import imports as import_views
from eventsite.views import invitations as invitation_views
from eventsite.views import main as main_views
from eventsite.views import me as me_views
from eventsite.views import rsvps as rsvp_views
from eventsite.views import series as series_views
from eventsite.views import sharing as sharing_views
from eventsite.views import stewards as steward_views

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type = Config, *, commands: bool = True, **overrides) -> Flask:
    """The app. ``commands=False`` (gunicorn's ``wsgi.py``) leaves out the ``flask`` commands
    and Flask-Migrate, which a web worker never runs (Alembic alone is about 11 MiB per worker)."""
    app = Flask(__name__, template_folder=ROOT / "templates", static_folder=None, instance_relative_config=True)
    app.config.from_object(config_class)
    app.config.update(overrides)
    check_config(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_proxy_fix(app)
    register_extensions(app)
    register_blueprints(app)
    app.wsgi_app = FastSharedFeed(app, app.wsgi_app)
    if commands:
        register_commands(app)
    return app


def register_commands(app: Flask) -> None:
    from flask_migrate import Migrate  # only where migrations can run: the flask command, tests

    Migrate(app, db, directory=str(ROOT / "migrations"), render_item=database.render_item, render_as_batch=True)
    for command in cli_commands:
        app.cli.add_command(command)


def check_config(config) -> None:
    if not is_timezone(config["TIMEZONE"]):
        raise RuntimeError(f"TIMEZONE must be an IANA time zone such as Europe/London, not {config['TIMEZONE']!r}.")
    config["ZONE"] = ZoneInfo(config["TIMEZONE"])
    if config.get("REQUIRE_REAL_SECRET_KEY") and config["SECRET_KEY"] in ("", DEV_SECRET_KEY):
        raise RuntimeError("Set SECRET_KEY to a long random value before running in production.")
    if config["DEFAULT_LANGUAGE"] not in config["LANGUAGES"]:
        raise RuntimeError(f"DEFAULT_LANGUAGE must be one of LANGUAGES ({' '.join(config['LANGUAGES'])}).")
    if config["MAIL_DELIVERY"] not in DELIVERY_MODES:
        raise RuntimeError(f"MAIL_DELIVERY must be one of: {', '.join(DELIVERY_MODES)}.")
    if config["MODERATION"] not in MODERATION_MODES:
        raise RuntimeError(f"MODERATION must be one of: {', '.join(MODERATION_MODES)}.")


def register_proxy_fix(app: Flask) -> None:
    """Behind PROXY_FIX proxies, take the client's address and scheme from X-Forwarded-For
    and -Proto (so rate limits count clients, not the proxy). The host never: links use SITE_URL."""
    trusted = app.config["PROXY_FIX"]
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=0, x_prefix=0)


def register_extensions(app: Flask) -> None:
    database.engine_options(app.config)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    database.init_app(app)
    cache.init_app(app)
    i18n.init_app(app)
    mail.init_app(app)
    security.init_app(app)
    assets.init_app(app)


def register_blueprints(app: Flask) -> None:
    blueprints = (main_views, event_views, rsvp_views, feed_views, sharing_views, me_views, auth_views, steward_views)
    for views in (
        *blueprints,
        hosting_views,
        series_views,
        invitation_views,
        idea_views,
        idea_poll_views,
        again_views,
        brew_views,
        brew_steward_views,
        import_views,
    ):
        app.register_blueprint(views.bp)
    idea_poll_views.init_app(app)
    error_views.init_app(app)
