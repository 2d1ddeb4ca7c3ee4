"""After a gathering, in a real browser: two people went, a third asks for it to run again,
the host proposes a new date, one who went answers from the invitation email, and someone
answers "Did you make it?". In a desktop browser, on a phone, and without JavaScript."""

from datetime import timedelta

from playwright.sync_api import expect

from eventsite.again import send_follow_ups
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.mail import deliver
from eventsite.models import Event, Rsvp, RsvpStatus
from tests.browser.conftest import event_url, visit, wait_for_link
from tests.conftest import future_local, new_event, new_person


def _past_gathering(mode: str):
    host = new_person(f"hana.again.{mode}@example.org", "Hana Host")
    event = new_event(host, title=f"Zine workshop ({mode})", starts_local=future_local(days=3))
    event.ends_at = utcnow() - timedelta(hours=20)
    event.starts_at = event.ends_at - timedelta(hours=2)
    people = [new_person(f"{name}.again.{mode}@example.org", name.title()) for name in ("ann", "bob", "dee")]
    for person, went in zip(people, (True, True, None), strict=True):
        db.session.add(Rsvp(event=event, person=person, status=RsvpStatus.GOING, went=went))
    db.session.commit()
    return host, event, people


def test_a_gathering_runs_again_for_those_who_went_and_asked(site, people, mailbox):
    mode = people.mode
    site.config["MODERATION"] = "open"  # a host's proposal goes live at once (the site fixture resets it)
    host, event, (ann, _bob, dee) = _past_gathering(mode)
    page_url, title = event_url(event), event.title

    # Cai missed it: the page says how many went, and he asks for it to run again.
    cai = people()
    cai.sign_in(f"cai.again.{mode}@example.org", mailbox)
    page = cai.page
    visit(page, page_url)
    expect(page.locator(".went-count")).to_have_text("2 went")
    cai.check("again-past-event")
    page.get_by_role("button", name="I'd come if it ran again").click()
    expect(page.get_by_text("Thanks: the hosts will know you'd come if it ran again.")).to_be_visible()
    expect(page.get_by_text("You asked for it to run again")).to_be_visible()

    # Hana sees the count and proposes a new date: everything else is copied.
    hana = people()
    hana.sign_in(host.email, mailbox)
    page = hana.page
    visit(page, page_url)
    tools = page.get_by_role("region", name="For hosts")
    expect(tools).to_contain_text("1 person asked for it to run again")
    tools.get_by_role("link", name="Propose a new date").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Run “{title}” again")
    hana.check("run-again-form")
    page.get_by_label("Starts").fill(future_local(days=30, hour=10).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Propose this date").click()
    expect(page.get_by_text("It's on again.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    db.session.rollback()  # end the test's read snapshot: the server has written since
    new = db.session.query(Event).filter_by(again_of_id=event.id).one()
    assert new.public_from > utcnow()

    # Ann went last time: her invitation answers in one click.
    ann_browser = people()
    page = ann_browser.page
    visit(page, wait_for_link(mailbox, ann.email, "/invited/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"You're invited: “{title}”")
    page.get_by_role("button", name="I'm going").click()
    expect(page.get_by_text("Thanks: your answer is saved.")).to_be_visible()
    expect(page).to_have_url(event_url(new) + "#rsvp")
    assert len(mailbox.to(f"cai.again.{mode}@example.org")) >= 2  # sign-in link, then the invitation

    # Dee was going and has not said: the day after, one question.
    db.session.rollback()  # a fresh snapshot before writing: the server has written since
    send_follow_ups()
    db.session.commit()
    deliver()
    dee_browser = people()
    page = dee_browser.page
    visit(page, wait_for_link(mailbox, dee.email, "/went/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Did you make it to “{title}”?")
    dee_browser.check("did-you-make-it")
    page.get_by_role("button", name="I went", exact=True).click()
    expect(page.get_by_text("Recorded: you went.")).to_be_visible()
    visit(page, page_url)
    expect(page.locator(".went-count")).to_have_text("3 went")
