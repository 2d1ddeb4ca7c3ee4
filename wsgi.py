"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from config import ProductionConfig
from eventsite import create_app

app = create_app(ProductionConfig)
