"""A series in a real browser: a host proposes a monthly series and checks its first dates
before they are made; a guest answers "every session"; the host skips one session; the
guest's own calendar feed shows it cancelled. In a desktop browser, on a phone, and
without JavaScript."""

import re
from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.models import Event, Person, Series
from tests.browser.conftest import a_place, visit
from tests.conftest import future_local, new_person


def test_host_makes_a_monthly_series_a_guest_comes_to_every_session_and_one_is_skipped(site, people, mailbox):
    site.config["MODERATION"] = "open"  # live at once (the journey of a steward's review is tested elsewhere)
    mode = people.mode
    host_email, guest_email = f"hana.series.{mode}@example.org", f"gita.series.{mode}@example.org"
    title = f"TED-talk cinema club ({mode})"
    new_person(host_email, "Hana Host")
    new_person(guest_email, "Gita Guest")
    place = a_place("Chapeltown")
    starts = future_local(days=9, hour=19)

    # The host fills in the propose form with "every month, on the same weekday".
    hana = people()
    hana.sign_in(host_email, mailbox)
    page = hana.page
    visit(page, "/events/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind").select_option(label="Cinema club")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Repeats").select_option(label="Every month, same weekday")
    page.get_by_label("Or a number of sessions").fill("4")
    page.get_by_label("Place").select_option(label=place.name)
    page.get_by_label("Venue").fill("Northern Lights Picture House")
    page.get_by_role("button", name="Propose").click()

    # Nothing is made until the host has seen the dates.
    preview = page.get_by_role("region", name="Check the dates")
    expect(preview).to_be_visible()
    expect(preview.locator("li")).to_have_count(4)
    expect(preview).to_contain_text(starts.strftime("%A %-d %B %Y, 19:00"))
    if hana.js:
        expect(preview).to_be_focused()
    hana.check("series-preview")
    db.session.rollback()
    assert db.session.scalars(select(Series).where(Series.title == title)).all() == []
    page.get_by_role("button", name="Create these sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("4 sessions are planned so far", exact=False)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Every month on the")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("ol.sessions li")).to_have_count(4)
    hana.check("series-page-host")
    series_url = page.url

    # The guest says "I'll come to every session" on the series page.
    gita = people()
    gita.sign_in(guest_email, mailbox)
    visit(gita.page, series_url)
    gita.page.get_by_role("button", name="I'll come to every session").click()
    expect(gita.page.get_by_text("You're down for every session.", exact=False)).to_be_visible()
    expect(gita.page.get_by_role("region", name="Coming to every session?")).to_contain_text(
        "You're down as going for every session"
    )
    gita.check("series-page-every-session")
    assert mailbox.last_to(guest_email)["Subject"] == f"Every session: {title}"

    # The host skips the second session from its own page.
    db.session.rollback()
    series = db.session.scalars(select(Series).where(Series.title == title)).one()
    second = db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)).all()[1]
    visit(page, f"/events/{second.id}-{second.slug}")
    page.get_by_role("region", name="For hosts").get_by_role("link", name="Cancel the gathering").click()
    page.get_by_label("Message to people").fill("The cinema is closed for repairs that week.")
    page.get_by_role("button", name="Cancel the gathering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancelled: {title}")
    assert mailbox.last_to(guest_email)["Subject"] == f"Cancelled: {title}"

    # The guest's own feed holds all four sessions, the skipped one cancelled.
    db.session.rollback()
    token = feed_token(db.session.scalars(select(Person).where(Person.email == guest_email)).one())
    feed = gita.page.request.get(f"/feeds/{token}.ics")
    assert feed.status == 200
    vevents = {str(vevent["UID"]): vevent for vevent in Calendar.from_ical(feed.body()).walk("VEVENT")}
    sessions = db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)).all()
    assert len(sessions) == 4
    host = site.config["SITE_URL"].split("://", 1)[1].split(":")[0]
    for session in sessions:
        vevent = vevents[f"event-{session.id}@{host}"]
        assert vevent.decoded("DTSTART") == session.starts_at
        expected = "CANCELLED" if session.id == second.id else "CONFIRMED"
        assert str(vevent["STATUS"]) == expected
    assert sessions[1].starts_at - sessions[0].starts_at > timedelta(days=27)  # monthly
    visit(gita.page, series_url)
    expect(gita.page.locator("ol.sessions li.cancelled")).to_have_count(1)
