"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app`` (and ``flask --app wsgi ...``)."""

import sys

from config import ProductionConfig
from eventsite import create_app

# gunicorn's workers never run a `flask` command, so they go without (and without
# Flask-Migrate's memory); `flask --app wsgi check-deploy` gets them.
app = create_app(ProductionConfig, commands="gunicorn" not in sys.modules)
