"""Static files under fingerprinted names: kept for a year, renamed when they change."""

import hashlib
import os
import re

import pytest

from eventsite import assets

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no database involved
LINKED = re.compile(r'(?:href|src)="(/static/[^"#]+)')


def digits_of(name: str) -> str:
    return hashlib.sha256((assets.STATIC / name).read_bytes()).hexdigest()[:8]


def test_pages_link_each_file_by_the_start_of_its_sha256(client):
    linked = set(LINKED.findall(client.get("/").text))

    assert f"/static/site.{digits_of('site.css')}.css" in linked
    assert f"/static/site.{digits_of('site.js')}.js" in linked
    assert f"/static/vendor/pico-2.1.1.min.{digits_of('vendor/pico-2.1.1.min.css')}.css" in linked
    assert all(re.search(r"\.[0-9a-f]{8}\.[a-z]+$", url) for url in linked), linked


def test_a_fingerprinted_file_is_kept_for_a_year_and_never_revalidated(client):
    response = client.get(f"/static/site.{digits_of('site.css')}.css")

    assert response.status_code == 200
    assert response.data == (assets.STATIC / "site.css").read_bytes()
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    assert response.cache_control.public


def test_the_plain_name_and_an_old_fingerprint_get_todays_file_for_an_hour(client):
    today = (assets.STATIC / "site.css").read_bytes()
    for path in ("/static/site.css", "/static/site.00000000.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.data == today, path
        assert response.cache_control.max_age == 3600, path
        assert not response.cache_control.immutable, path


@pytest.mark.parametrize(
    "path",
    ["/static/../config.py", "/static/..%2fconfig.py", "/static/nothing.12345678.css", "/static/%2e%2e/wsgi.py"],
)
def test_nothing_outside_the_static_folder_and_no_made_up_file_is_served(client, path):
    assert client.get(path).status_code == 404


def test_a_changed_file_gets_a_new_name(app, tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    style = tmp_path / "style.css"
    style.write_text("body { color: red }")
    with app.test_request_context():
        before = assets.asset_url("style.css")
        style.write_text("body { color: blue }")
        os.utime(style, ns=(style.stat().st_atime_ns, style.stat().st_mtime_ns + 10**9))
        after = assets.asset_url("style.css")

    assert before != after
    assert after == f"/static/style.{hashlib.sha256(b'body { color: blue }').hexdigest()[:8]}.css"
