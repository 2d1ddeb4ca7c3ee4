"""The time-zone list on the event form: the site's zone first, UTC, then the zones in
use by region; an event's own legacy zone (US/Pacific) stays selectable when edited."""

import re
from itertools import groupby

import pytest
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.models import Event
from eventsite.times import REGIONS, timezone_choices, timezone_names
from tests.conftest import edit_form

OPTGROUP = re.compile(r'<optgroup label="([^"]+)">(.*?)</optgroup>', re.DOTALL)
OPTION = re.compile(r'<option([^>]*) value="([^"]*)"')


def timezone_select(page: str) -> str:
    found = re.search(r'<select[^>]* name="timezone"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert found, "no time-zone select"
    return found.group(1)


def option_values(html: str) -> list[str]:
    return [value for _attrs, value in OPTION.findall(html)]


def selected_values(html: str) -> list[str]:
    return [value for attrs, value in OPTION.findall(html) if "selected" in attrs]


@pytest.fixture
def host(make_person, auth):
    hana = make_person(email="hana@example.org", name="Hana Host")
    auth.sign_in("hana@example.org")
    return hana


# -- the list itself -------------------------------------------------------------------------


def test_site_zone_comes_first_then_utc_then_regions_in_order():
    choices = timezone_choices("Europe/London")

    assert [(choice.value, choice.optgroup) for choice in choices[:2]] == [("Europe/London", None), ("UTC", None)]
    groups = [region for region, _ in groupby(choice.optgroup for choice in choices[2:])]
    assert groups == list(REGIONS)
    values = [choice.value for choice in choices]
    assert len(values) == len(set(values)), "each zone is offered once (the site's is not repeated in Europe)"
    assert all(choice.value.startswith(f"{choice.optgroup}/") for choice in choices[2:])


def test_only_zones_people_use_are_offered():
    values = {choice.value for choice in timezone_choices("Europe/London")}

    assert {"America/New_York", "Asia/Kolkata", "Europe/Kyiv", "Australia/Sydney", "Pacific/Auckland"} <= values
    assert "America/Argentina/Buenos_Aires" in values
    legacy = {"Etc/GMT+1", "Etc/UTC", "US/Pacific", "GB", "Zulu", "Asia/Calcutta", "Europe/Kiev", "Canada/Eastern"}
    assert not legacy & values
    assert not [value for value in values if value.startswith(("Etc/", "US/", "Brazil/", "Mexico/"))]
    assert 350 < len(values) < 450  # not the ~600 names zoneinfo knows


def test_labels_are_readable_city_names_within_their_region():
    by_value = {choice.value: choice for choice in timezone_choices("Europe/London")}

    assert by_value["America/New_York"].label == "New York"
    assert by_value["America/Argentina/Buenos_Aires"].label == "Argentina/Buenos Aires"
    assert by_value["Europe/London"].label == "Europe/London"  # the site's own, at the top


def test_another_site_zone_comes_first_and_london_is_back_in_europe():
    choices = timezone_choices("America/New_York")

    assert choices[0].value == "America/New_York"
    assert [choice.value for choice in choices].count("America/New_York") == 1
    europe = [choice.value for choice in choices if choice.optgroup == "Europe"]
    assert "Europe/London" in europe


def test_a_legacy_zone_is_kept_at_the_top_only_for_the_event_that_has_it():
    assert [choice.value for choice in timezone_choices("Europe/London", "US/Pacific")[:3]] == [
        "Europe/London",
        "US/Pacific",
        "UTC",
    ]
    tokyo = timezone_choices("Europe/London", "Asia/Tokyo")
    assert [choice.value for choice in tokyo[:2]] == ["Europe/London", "UTC"]  # in use: stays in Asia
    made_up = timezone_choices("Europe/London", "Mars/Olympus_Mons")
    assert "Mars/Olympus_Mons" not in {choice.value for choice in made_up}


def test_every_offered_zone_is_accepted():
    accepted = set(timezone_names())
    assert {choice.value for choice in timezone_choices("Europe/London")} <= accepted
    assert "US/Pacific" in accepted  # older events keep validating


# -- on the form ---------------------------------------------------------------------------------


def test_propose_form_offers_the_site_zone_selected_first_and_regions_as_optgroups(client):
    response = client.get("/events/new")
    assert response.status_code == 200
    select_html = timezone_select(response.text)

    assert option_values(select_html)[:2] == ["Europe/London", "UTC"]
    assert selected_values(select_html) == ["Europe/London"]
    assert [label for label, _ in OPTGROUP.findall(select_html)] == list(REGIONS)
    assert "Etc/GMT+1" not in select_html
    assert "US/Pacific" not in select_html


def test_event_with_a_legacy_zone_shows_it_and_saves_when_edited(client, host, make_event):
    event = make_event(host=host, title="Pacific brunch", timezone="US/Pacific")

    response = client.get(f"/events/{event.id}/edit")
    assert response.status_code == 200
    assert selected_values(timezone_select(response.text)) == ["US/Pacific"]

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, title="Pacific brunch, again"))
    assert response.status_code == 302, response.text
    db.session.expire_all()
    saved = db.session.scalars(select(Event).where(Event.id == event.id)).one()
    assert (saved.title, saved.timezone) == ("Pacific brunch, again", "US/Pacific")


def test_utc_can_be_chosen(client, host, make_event):
    event = make_event(host=host)

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, timezone="UTC"))

    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(Event, event.id).timezone == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "GB", "localtime"])
def test_a_zone_not_on_the_list_is_refused_by_its_field(client, host, make_event, zone):
    event = make_event(host=host)

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, timezone=zone))

    assert response.status_code == 422
    assert '<p class="error" id="timezone-error">' in response.text
    db.session.expire_all()
    assert db.session.get(Event, event.id).timezone == "Europe/London"
