"""Making a series from the propose and edit forms (the first dates shown before anything
is made), bad rules refused beside their fields, and "this session and all later ones"."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Rsvp, RsvpStatus, Series
from eventsite.recurrence import MAX_SESSIONS, RepeatRule, Repeats
from eventsite.rsvps import answer, locked_event
from eventsite.series import answer_every_session, start_series
from tests.conftest import edit_form, future_local, new_event, new_person

SEEN = re.compile(r'name="seen_dates" type="hidden" value="([^"]*)"')


@pytest.fixture
def place(app, make_place):
    return make_place()


def proposal(place, **changes) -> dict:
    starts = future_local(days=3, hour=10, minute=30)
    data = {
        "title": "Carers' coffee morning",
        "kind": "pub-coffee",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "timezone": "Europe/London",
        "place": place.slug,
        "venue_name": "Café Nova",
        "repeats": "weekly",
        "repeat_count": "4",
    }
    return {**data, **changes}


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no message beside {field}"
    return html.unescape(found.group(1)).strip()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_first_dates_are_shown_before_a_series_is_made(app, client, auth, place, host):
    auth.sign_in(host.email)

    first = client.post("/events/new", data=proposal(place))

    assert first.status_code == 200
    assert "Check the dates" in first.text
    assert "Every week on" in first.text
    assert first.text.count("<li><time datetime=") == 4
    assert "Create these sessions" in first.text
    assert count(Event) == 0

    seen = SEEN.search(first.text).group(1)
    second = client.post("/events/new", data={**proposal(place), "seen_dates": html.unescape(seen)})

    assert second.status_code == 302
    [series] = db.session.scalars(select(Series)).all()
    sessions = db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)).all()
    assert len(sessions) == 4
    assert {s.local_start.strftime("%A %H:%M") for s in sessions} == {sessions[0].local_start.strftime("%A") + " 10:30"}
    assert [s.host_people for s in sessions] == [[host]] * 4
    assert series.host_people == [host]
    assert "4 sessions are planned so far" in client.get(second.location).text


def test_changing_the_rule_after_seeing_the_dates_shows_the_new_dates(app, client, auth, place, host):
    auth.sign_in(host.email)
    seen = html.unescape(SEEN.search(client.post("/events/new", data=proposal(place)).text).group(1))

    again = client.post("/events/new", data={**proposal(place, repeat_count="6"), "seen_dates": seen})

    assert again.status_code == 200
    assert again.text.count("<li><time datetime=") == 5  # the first five of six
    assert count(Event) == 0


def test_a_one_off_is_made_at_once(app, client, auth, place, host):
    auth.sign_in(host.email)
    response = client.post("/events/new", data=proposal(place, repeats="", repeat_count=""))
    assert response.status_code == 302
    assert count(Event) == 1
    assert count(Series) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"repeat_count": "1000"}, "repeat_count", f"from 1 to {MAX_SESSIONS}"),
        ({"repeat_count": "", "repeat_until": "2020-01-01"}, "repeat_until", "cannot end before its first session"),
        ({"repeat_until": "2099-01-01"}, "repeat_until", "not both"),
        ({"repeat_count": "", "repeat_until": "2099-01-01"}, "repeat_until", f"more than {MAX_SESSIONS} sessions"),
        ({"repeats": "daily"}, "repeats", "Not a valid choice"),
        ({"repeats": "monthly-weekday", "week_of_month": "5"}, "week_of_month", "Not a valid choice"),
        ({"repeat_count": "three"}, "repeat_count", "whole number"),
    ],
)
def test_a_rule_that_cannot_be_kept_is_refused_beside_its_field(
    app, client, auth, place, host, changes, field, message
):
    auth.sign_in(host.email)

    response = client.post("/events/new", data=proposal(place, **changes))

    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    assert count(Event) == 0


def test_the_last_weekday_is_refused_for_a_date_that_is_not_the_last(app, client, auth, place, host):
    auth.sign_in(host.email)
    # The first day from three days ahead whose weekday comes again in the same month.
    starts = next(
        future_local(days=days, hour=19)
        for days in range(3, 40)
        if (future_local(days=days) + timedelta(days=7)).month == future_local(days=days).month
    )
    data = proposal(place, starts_at=starts.strftime("%Y-%m-%dT%H:%M"), repeats="monthly-weekday", week_of_month="-1")

    response = client.post("/events/new", data=data)

    assert response.status_code == 422
    assert "of its month: choose that" in error_beside(response.text, "week_of_month")


def test_every_message_shows_at_once_with_the_rule_s(app, client, auth, place, host):
    auth.sign_in(host.email)
    response = client.post("/events/new", data=proposal(place, title="", venue_name="", repeat_count="0"))
    assert response.status_code == 422
    assert error_beside(response.text, "title")
    assert error_beside(response.text, "venue_name")
    assert error_beside(response.text, "repeat_count")


def test_a_guest_s_series_waits_for_the_emailed_link_then_goes_live_whole(app, client, mailbox, place):
    data = {**proposal(place), "name": "Gita", "email": "gita@example.org"}
    seen = html.unescape(SEEN.search(client.post("/events/new", data=data).text).group(1))

    response = client.post("/events/new", data={**data, "seen_dates": seen})

    assert response.status_code == 302
    assert {event.status for event in db.session.scalars(select(Event))} == {EventStatus.UNCONFIRMED}
    link = mailbox.link_to("gita@example.org", containing="/links/")
    assert client.post(link).status_code == 302
    db.session.expire_all()
    statuses = [event.status for event in db.session.scalars(select(Event))]
    assert statuses == [EventStatus.PUBLISHED] * 4  # MODERATION is "open" in the tests


def test_a_one_off_becomes_a_series_from_its_edit_form(app, client, auth, host):
    event = new_event(host=host, starts_local=future_local(days=3, hour=18, minute=30))
    auth.sign_in(host.email)
    data = edit_form(event, repeats="monthly-date", repeat_count="3")

    first = client.post(f"/events/{event.id}/edit", data=data)
    assert first.status_code == 200
    assert "Check the dates" in first.text
    assert count(Series) == 0

    seen = html.unescape(SEEN.search(first.text).group(1))
    assert client.post(f"/events/{event.id}/edit", data={**data, "seen_dates": seen}).status_code == 302
    [series] = db.session.scalars(select(Series)).all()
    assert count(Event) == 3
    db.session.refresh(event)
    assert event.series_id == series.id


# -- this session and all later ones -------------------------------------------------------


def weekly(host, capacity=None):
    first = new_event(host=host, title="Coffee morning", capacity=capacity, starts_local=future_local(days=3, hour=10))
    series = start_series(first, RepeatRule(Repeats.WEEKLY, count=5))
    db.session.commit()
    return series, db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)).all()


def test_this_and_later_changes_each_later_session_and_tells_each_person_once(app, client, auth, mailbox, host):
    series, sessions = weekly(host, capacity=1)
    regular = new_person(email="reg@example.org", name="Reg")
    waiting = new_person(email="wait@example.org", name="Wait")
    answer_every_session(series, regular, RsvpStatus.GOING)
    answer_every_session(series, waiting, RsvpStatus.GOING)
    db.session.commit()
    second = sessions[1]
    new_start = second.local_start.replace(hour=11, minute=0, tzinfo=None)
    auth.sign_in(host.email)
    mailbox.clear()

    response = client.post(
        f"/events/{second.id}/edit",
        data=edit_form(
            second,
            apply_to="later",
            title="Coffee morning (new room)",
            capacity="2",
            starts_at=new_start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(new_start + timedelta(hours=1, minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 302
    db.session.expire_all()
    first, *later = db.session.scalars(
        select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)
    ).all()
    assert (first.title, first.local_start.hour, first.capacity) == ("Coffee morning", 10, 1)
    assert {(s.title, s.local_start.strftime("%H:%M"), s.capacity) for s in later} == {
        ("Coffee morning (new room)", "11:00", 2)
    }
    assert {s.ends_at - s.starts_at for s in later} == {timedelta(hours=1, minutes=30)}
    assert [s.local_start.date() for s in later] == [s.local_start.date() for s in sessions[1:]]
    # The bigger capacity took the waiting person in on each later session (one email per place).
    statuses = db.session.scalars(
        select(Rsvp.status).where(Rsvp.person_id == waiting.id, Rsvp.event_id.in_([s.id for s in later]))
    ).all()
    assert set(statuses) == {RsvpStatus.GOING}
    [changed] = [m for m in mailbox.to(regular.email) if m["Subject"].startswith("Changed")]
    assert changed["Subject"] == "Changed: Coffee morning (new room) (4 sessions)"
    text = changed.get_body(preferencelist=("plain",)).get_content()
    assert text.count("When: was") == 4
    assert len(list(changed.iter_attachments())) == 1
    db.session.refresh(series)
    assert series.local_time.hour == 11
    assert series.duration_minutes == 90


def test_this_session_only_changes_one(app, client, auth, mailbox, host):
    _series, sessions = weekly(host)
    regular = new_person(email="reg@example.org", name="Reg")
    answer(locked_event(sessions[2].id), regular, RsvpStatus.GOING)
    db.session.commit()
    third = sessions[2]
    moved = third.local_start.replace(tzinfo=None) + timedelta(days=1)
    auth.sign_in(host.email)
    mailbox.clear()

    response = client.post(
        f"/events/{third.id}/edit",
        data=edit_form(third, starts_at=moved.strftime("%Y-%m-%dT%H:%M"), ends_at=""),
    )

    assert response.status_code == 302
    db.session.expire_all()
    others = [db.session.get(Event, s.id) for s in sessions if s.id != third.id]
    assert {s.local_start.hour for s in others} == {10}
    assert db.session.get(Event, third.id).local_start.date() == moved.date()
    [changed] = mailbox.to(regular.email)
    assert changed["Subject"] == "Changed: Coffee morning"


def test_the_edit_form_of_a_session_names_its_series(app, client, auth, host):
    series, sessions = weekly(host)
    auth.sign_in(host.email)
    page = client.get(f"/events/{sessions[1].id}/edit").text
    assert f'href="/series/{series.id}-' in page
    assert "This session and all later ones" in page
    assert 'name="repeats"' not in page
