"""The series page, "every session", "stop coming", "still happening" and the series feed,
through HTTP; the feed read back by independent parsers."""

import os
import re
from datetime import timedelta

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar
from sqlalchemy import delete, select

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.lifecycle import change_status
from eventsite.models import Event, EventStatus, Rsvp, RsvpStatus, Series, SeriesHost, SeriesStatus, StandingAnswer
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.series import extend_series, start_series
from tests.conftest import future_local, new_event, new_person, statements_for
from tests.test_feeds import HAS_ICAL_JS, NODE, iso, read_with_ical_js

MONTHLY = RepeatRule(Repeats.MONTHLY_ON_DATE)


@pytest.fixture
def host(app):
    return new_person(email="hana@example.org", name="Hana Host")


def make_series(host, rule=MONTHLY, status=EventStatus.PUBLISHED, **fields):
    fields.setdefault("title", "TED-talk cinema club")
    first = new_event(host=host, status=status, starts_local=future_local(days=2, hour=18, minute=30), **fields)
    series = start_series(first, rule)
    db.session.commit()
    return series


def sessions_of(series) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)))


def page(series) -> str:
    return f"/series/{series.id}-{series.slug}"


def test_the_series_page_lists_each_session_with_its_count(app, client, host):
    series = make_series(host, capacity=20)
    first, second = sessions_of(series)[:2]
    change_status(second, "cancel")
    db.session.commit()

    response = client.get(page(series))

    assert response.status_code == 200
    html = response.text
    assert "Every month on the" in html
    assert "18:30 (Europe/London)" in html
    assert f'href="/events/{first.id}-{first.slug}"' in html
    assert "0 going of 20" in html
    assert re.search(rf'class="cancelled">\s*<a href="/events/{second.id}-', html)
    assert f'href="http://eventsite.test/series/{series.id}.ics"' in html
    assert "webcal://eventsite.test/series/" in html


def test_a_series_nobody_may_see_yet_is_not_found(app, client, host):
    series = make_series(host, status=EventStatus.HELD)
    assert client.get(page(series)).status_code == 404
    assert client.get(f"/series/{series.id}.ics").status_code == 404
    assert client.get("/series/999999").status_code == 404
    assert client.get(f"/series/{2**40}").status_code == 404


def test_hosts_see_their_held_series(app, client, auth, host):
    series = make_series(host, status=EventStatus.HELD)
    auth.sign_in(host.email)
    assert client.get(page(series)).status_code == 200


def test_every_session_needs_a_signed_in_person(app, client, host):
    series = make_series(host)
    html = client.get(page(series)).text
    assert "sign in with your email" in html
    response = client.post(f"/series/{series.id}/every-session", data={"answer": "going"})
    assert response.status_code == 302
    assert "/sign-in" in response.location
    assert db.session.scalars(select(Rsvp)).all() == []


def test_every_session_answers_each_and_sends_one_email(app, client, auth, mailbox, host):
    series = make_series(host, capacity=1)
    first = sessions_of(series)[0]
    taken_by = new_person(email="early@example.org", name="Early")
    client_answer = client.post  # the walk-in answers the first session alone, signed in
    auth.sign_in(taken_by.email)
    client_answer(f"/events/{first.id}/rsvp", data={"answer": "going"})
    auth.sign_out()
    guest = new_person(email="gita@example.org", name="Gita")
    auth.sign_in(guest.email)
    mailbox.clear()

    response = client.post(f"/series/{series.id}/every-session", data={"answer": "going"})

    assert response.status_code == 302
    statuses = [
        db.session.scalar(select(Rsvp.status).where(Rsvp.event_id == s.id, Rsvp.person_id == guest.id))
        for s in sessions_of(series)
    ]
    assert statuses[0] is RsvpStatus.WAITLISTED
    assert set(statuses[1:]) == {RsvpStatus.GOING}
    [message] = mailbox.to(guest.email)
    assert message["Subject"] == "Every session: TED-talk cinema club"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "full, you're number 1 on the waitlist" in text
    assert text.count(": going") == len(statuses) - 1
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    assert len(calendar.walk("VEVENT")) == len(statuses)
    html = client.get(page(series)).text
    assert "You're down as going for every session" in html


def test_stop_coming_frees_the_places_and_tells_the_person_once(app, client, auth, mailbox, host):
    series = make_series(host, capacity=1)
    regular = new_person(email="reg@example.org", name="Reg")
    auth.sign_in(regular.email)
    client.post(f"/series/{series.id}/every-session", data={"answer": "going"})
    mailbox.clear()

    response = client.post(f"/series/{series.id}/stop-coming")

    assert response.status_code == 302
    going = db.session.scalars(select(Rsvp).where(Rsvp.person_id == regular.id, Rsvp.status == RsvpStatus.GOING)).all()
    assert going == []
    [message] = mailbox.to(regular.email)
    assert message["Subject"] == "You've stopped coming: TED-talk cinema club"


def test_a_host_restarts_a_paused_series_and_others_cannot(app, client, auth, host):
    series = make_series(host)
    series.status = SeriesStatus.PAUSED
    db.session.commit()
    stranger = new_person(email="stranger@example.org", name="Stranger")

    auth.sign_in(stranger.email)
    assert "Restart the series" not in client.get(page(series)).text
    assert client.post(f"/series/{series.id}/renew").status_code == 403
    db.session.refresh(series)
    assert series.status is SeriesStatus.PAUSED

    auth.sign_out()
    auth.sign_in(host.email)
    assert "This series has paused" in client.get(page(series)).text
    assert client.post(f"/series/{series.id}/renew").status_code == 302
    db.session.refresh(series)
    assert series.status is SeriesStatus.ACTIVE


def test_posts_need_their_csrf_token(app, host):
    app.config["WTF_CSRF_ENABLED"] = True
    series = make_series(host)
    client = app.test_client()
    for action in ("every-session", "stop-coming", "renew", "end"):
        assert client.post(f"/series/{series.id}/{action}", data={"answer": "going"}).status_code == 400
    assert db.session.scalars(select(Rsvp)).all() == []


def test_ending_cancels_every_coming_session_and_tells_each_person_once(app, client, auth, mailbox, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    regular = new_person(email="reg@example.org", name="Reg")
    auth.sign_in(regular.email)
    client.post(f"/series/{series.id}/every-session", data={"answer": "going"})
    auth.sign_out()
    auth.sign_in(host.email)
    mailbox.clear()

    response = client.post(f"/series/{series.id}/end", data={"message": "The café has closed"})

    assert response.status_code == 302
    sessions = sessions_of(series)
    assert all(session.is_cancelled for session in sessions)
    assert {session.cancel_message for session in sessions} == {"The café has closed"}
    [message] = mailbox.to(regular.email)
    assert message["Subject"] == "Series ended: Coffee morning"
    assert "The café has closed" in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    cancelled = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert len(cancelled) == len(sessions)
    assert {str(vevent["STATUS"]) for vevent in cancelled} == {"CANCELLED"}
    db.session.refresh(series)
    assert series.status is SeriesStatus.ENDED
    assert "This series has ended" in client.get(page(series)).text
    assert client.post(f"/series/{series.id}/end").status_code == 302  # again: a message, no change
    assert len(mailbox.to(regular.email)) == 1


def test_only_hosts_end_a_series(app, client, auth, host):
    series = make_series(host)
    auth.sign_in(new_person(email="stranger@example.org").email)
    assert client.post(f"/series/{series.id}/end").status_code == 403
    assert not any(session.is_cancelled for session in sessions_of(series))


def test_the_cron_command_extends_asks_and_pauses(app, runner, mailbox, host):
    app.config["SERIES_RENEW_DAYS"] = 0
    series = make_series(host)

    result = runner.invoke(args=["extend-series"])

    assert result.exit_code == 0, result.output
    assert "Asked: 1" in result.output
    [message] = mailbox.to(host.email)
    assert message["Subject"] == "Still happening? TED-talk cinema club"
    assert "/links/" in message.get_body(preferencelist=("plain",)).get_content()
    series.renewal_asked_at = utcnow() - timedelta(days=15)
    db.session.commit()
    assert "Paused: 1" in runner.invoke(args=["extend-series"]).output


def test_the_series_page_takes_the_same_queries_for_many_sessions(app, client, host):
    few = make_series(host, rule=RepeatRule(Repeats.MONTHLY_ON_DATE, count=2))
    many = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    assert len(sessions_of(many)) > 10 * len(sessions_of(few)) / 2

    assert len(statements_for(client, page(many))) == len(statements_for(client, page(few)))


# -- the series feed --------------------------------------------------------------------


def test_the_series_feed_has_each_session_as_its_own_event_across_the_clocks_changing(app, client, host):
    app.config["SERIES_HORIZON_DAYS"] = 200
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Carers' coffee morning")
    sessions = sessions_of(series)
    skipped, moved = sessions[2], sessions[3]
    change_status(skipped, "cancel")
    skipped.sequence += 1
    moved.starts_at, moved.ends_at = moved.starts_at + timedelta(hours=1), moved.ends_at + timedelta(hours=1)
    moved.sequence += 1
    db.session.commit()

    response = client.get(f"/series/{series.id}.ics")

    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")
    body = response.get_data()
    calendar = Calendar.from_ical(body)
    events = {str(vevent["UID"]): vevent for vevent in calendar.walk("VEVENT")}
    assert len(events) == len(sessions)
    assert not any("RRULE" in vevent or "RDATE" in vevent for vevent in events.values())  # no master
    for session in sessions:
        vevent = events[f"event-{session.id}@eventsite.test"]
        assert vevent.decoded("DTSTART") == session.starts_at
        assert vevent.decoded("DTEND") == session.ends_at
    assert str(events[f"event-{skipped.id}@eventsite.test"]["STATUS"]) == "CANCELLED"
    assert int(events[f"event-{moved.id}@eventsite.test"]["SEQUENCE"]) == moved.sequence
    # Two more parsers agree on every instant.
    parsed = vobject.readOne(body.decode())
    assert sorted(v.dtstart.value for v in parsed.vevent_list) == [s.starts_at for s in sessions]
    expanded = recurring_ical_events.of(calendar).between(utcnow() - timedelta(days=1), utcnow() + timedelta(days=400))
    assert sorted(e.decoded("DTSTART") for e in expanded) == [s.starts_at for s in sessions]
    # Thunderbird's parser too: every instant, status and sequence.
    if HAS_ICAL_JS and NODE:
        read = {found["uid"]: found for found in read_with_ical_js(body)}
        for session in sessions:
            found = read[f"event-{session.id}@eventsite.test"]
            assert (found["start"], found["end"]) == (iso(session.starts_at), iso(session.ends_at))
            assert found["zone"] == "Europe/London"
            assert found["sequence"] == session.sequence
        assert read[f"event-{skipped.id}@eventsite.test"]["status"] == "CANCELLED"
    elif os.environ.get("EVENTSITE_NO_SKIP"):
        pytest.fail("ical.js is needed here: run `npm ci`")
    # Revalidation answers 304.
    again = client.get(f"/series/{series.id}.ics", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# -- the list of gatherings ---------------------------------------------------------------


def listed(client, query: str = "") -> list[int]:
    html = client.get(f"/{query}").text
    return [int(found) for found in re.findall(r'<h3 dir="auto"><a href="/events/(\d+)-', html)]


def test_a_series_takes_one_slot_on_the_list_unless_every_session_is_asked_for(app, client, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    one_off = new_event(host=host, title="Values-based leadership", starts_local=future_local(days=4))
    first, second, third = sessions_of(series)[:3]

    assert listed(client) == [first.id, one_off.id]
    assert "every session of “Coffee morning”" in client.get("/").text
    assert listed(client, "?series=only") == [first.id]
    assert listed(client, "?series=every")[:4] == [first.id, one_off.id, second.id, third.id]

    # Skipped this week: the cancelled session shows, and so does the next one that happens.
    change_status(first, "cancel")
    db.session.commit()
    assert listed(client)[:3] == [first.id, one_off.id, second.id]
    assert third.id not in listed(client)


def test_a_date_filter_shows_the_series_next_session_in_that_range(app, client, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    third = sessions_of(series)[2]
    day = third.local_start.date().isoformat()
    assert listed(client, f"?date_from={day}&date_to={day}") == [third.id]


def test_the_month_view_shows_every_session_marked_as_part_of_a_series(app, client, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    first = sessions_of(series)[0]
    start = first.local_start
    # The grid runs from the Monday on or before the 1st to the Sunday after the month's end.
    first_day = start.date().replace(day=1)
    grid_start = first_day - timedelta(days=first_day.weekday())
    last_day = (first_day + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    grid_end = last_day + timedelta(days=6 - last_day.weekday())
    shown = [s for s in sessions_of(series) if grid_start <= s.local_start.date() <= grid_end]

    html = client.get(f"/calendar/{start.year}/{start.month}").text

    assert html.count("part of a series") == len(shown)
    assert all(f'href="/events/{session.id}-' in html for session in shown)


def test_every_session_lands_in_the_person_s_own_feed_and_a_skipped_one_shows_cancelled(app, client, auth, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    regular = new_person(email="reg@example.org", name="Reg")
    auth.sign_in(regular.email)
    client.post(f"/series/{series.id}/every-session", data={"answer": "going"})
    auth.sign_out()
    skipped = sessions_of(series)[1]
    auth.sign_in(host.email)
    client.post(f"/events/{skipped.id}/cancel", data={"message": "Room booked"})

    feed = client.get(f"/feeds/{feed_token(regular)}.ics")

    vevents = {str(v["UID"]): v for v in Calendar.from_ical(feed.get_data()).walk("VEVENT")}
    assert {f"event-{s.id}@eventsite.test" for s in sessions_of(series)} <= set(vevents)
    assert str(vevents[f"event-{skipped.id}@eventsite.test"]["STATUS"]) == "CANCELLED"


def test_a_session_s_page_names_its_series_and_offers_every_session(app, client, auth, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    session = sessions_of(series)[1]
    html = client.get(f"/events/{session.id}-{session.slug}").text
    assert "This is one session of a series" in html
    assert f'href="/series/{series.id}-coffee-morning"' in html
    assert "Coming to every session?" in html  # not signed in: a link to the series page

    regular = new_person(email="reg@example.org", name="Reg")
    auth.sign_in(regular.email)
    html = client.get(f"/events/{session.id}-{session.slug}").text
    assert f'action="/series/{series.id}/every-session"' in html
    client.post(f"/series/{series.id}/every-session", data={"answer": "going"})
    html = client.get(f"/events/{session.id}-{session.slug}").text
    assert "You're down as going for every session." in html


def test_my_page_data_and_deleting_my_account_cover_every_session_answers(app, client, auth, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY), title="Coffee morning")
    regular = new_person(email="reg@example.org", name="Reg")
    auth.sign_in(regular.email)
    client.post(f"/series/{series.id}/every-session", data={"answer": "maybe"})

    assert "Coffee morning</a>:\n            maybe, every session" in client.get("/me/").text
    assert client.get("/me/data.json").get_json()["every_session"] == [{"series": "Coffee morning", "answer": "maybe"}]

    assert client.post("/me/delete", data={"confirm": "y"}).status_code == 302
    assert db.session.scalars(select(StandingAnswer)).all() == []
    [new] = extend_series(series, now=utcnow() + timedelta(days=7))
    assert db.session.scalars(select(Rsvp).where(Rsvp.event_id == new.id)).all() == []


def test_a_series_whose_last_host_left_pauses(app, host):
    series = make_series(host, rule=RepeatRule(Repeats.WEEKLY))
    db.session.execute(delete(SeriesHost))
    db.session.commit()
    db.session.expire_all()
    assert extend_series(db.session.get(Series, series.id), now=utcnow() + timedelta(days=7)) == []
    assert db.session.get(Series, series.id).status is SeriesStatus.PAUSED
