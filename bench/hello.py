"""The hello-world baseline of ``make bench``: the least a Flask view can cost under the
same gunicorn, venv and connection handling as the site (``gunicorn -w 4 hello:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Say hello: no database, no template, no session."""
    return "Hello, World!"
