"""Trust between people in a real browser: a co-host is invited by email and becomes a
host only by accepting; signing out forgets this browser's answers, and "sign out
everywhere" ends the person's other sessions. In a desktop browser, on a phone, and
without JavaScript."""

from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import Event, RsvpStatus
from eventsite.people import find_person
from eventsite.rsvps import find_rsvp
from tests.browser.conftest import event_url, visit, wait_for_link
from tests.conftest import future_local, new_event, new_person


def test_cohost_accepts_an_emailed_invitation_and_gets_the_host_tools(site, people, mailbox):
    mode = people.mode
    host_email, invitee_email = f"hana.cohost.{mode}@example.org", f"ivy.{mode}@example.org"
    title = f"Repair café ({mode})"
    event = new_event(new_person(host_email, "Hana Host"), title=title, starts_local=future_local(days=8))
    page_url = event_url(event)

    # Hana invites Ivy by her address alone; Ivy is listed as invited, not as a host.
    hana = people()
    hana.sign_in(host_email, mailbox)
    page = hana.page
    visit(page, page_url)
    page.get_by_role("region", name="For hosts").get_by_role("link", name="Hosts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hosts of “{title}”")
    invite = page.get_by_role("region", name="Invite a co-host")
    invite.get_by_label("Email").fill(invitee_email)
    invite.get_by_role("button", name="Invite").click()
    expect(
        page.get_by_text(f"We have emailed {invitee_email} an invitation: they become a host once they accept.")
    ).to_be_visible()
    invited = page.get_by_role("region", name="Invited, not answered yet")
    expect(invited).to_contain_text(invitee_email)
    expect(invited.get_by_role("button", name="Withdraw the invitation")).to_be_visible()
    expect(page.locator("ul.hosts").first).not_to_contain_text(invitee_email)
    hana.check("hosts-invited")
    invitation = mailbox.last_to(invitee_email)
    assert invitation["Subject"] == f"You're invited to host {title}"
    link = wait_for_link(mailbox, invitee_email, "/invitations/")

    # Until she accepts, Ivy is nobody special on the event page.
    ivy = people()
    page = ivy.page
    visit(page, page_url)
    expect(page.get_by_role("region", name="For hosts")).to_have_count(0)
    expect(page.locator(".facts")).not_to_contain_text("ivy")  # no name made from her address

    # The link opens a page with buttons; she has no name yet, so it asks for one.
    visit(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Host “{title}”?")
    expect(page.get_by_text(f"Hana Host, a host, invites you ({invitee_email})")).to_be_visible()
    page.get_by_role("button", name="Accept and become a host").click()
    expect(page.locator("#name-error")).to_have_text("Enter your name: hosts are shown on the gathering's page.")
    expect(page.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
    ivy.check("invitation-errors")
    db.session.rollback()  # end the test's read snapshot: the server has written since
    assert [host.person.email for host in db.session.get(Event, event.id).hosts] == [host_email]

    page.get_by_label("Your name").fill("Ivy Invitee")
    page.get_by_role("button", name="Accept and become a host").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(f"You are now a host of “{title}”.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # the link proved her address
    expect(page.locator(".facts")).to_contain_text("Hana Host, Ivy Invitee")
    tools = page.get_by_role("region", name="For hosts")
    for link_name in ("Edit", "Who's coming", "Hosts", "Cancel the gathering"):
        expect(tools.get_by_role("link", name=link_name, exact=True)).to_be_visible()
    ivy.check("event-as-new-host")
    tools.get_by_role("link", name="Who's coming", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who's coming to “{title}”")

    # Hana is told; the link is used up; her hosts page lists Ivy as a host.
    assert mailbox.last_to(host_email)["Subject"] == f"Ivy Invitee accepted: {title}"
    assert page.request.get(link).status == 410
    hana.page.reload()
    expect(hana.page.get_by_role("region", name="Invited, not answered yet")).to_have_count(0)
    expect(hana.page.locator("ul.hosts")).to_contain_text(f"Ivy Invitee ({invitee_email})")
    db.session.rollback()
    hosts = {host.person.email for host in db.session.get(Event, event.id).hosts}
    assert hosts == {host_email, invitee_email}


def test_signing_out_everywhere_ends_other_sessions_and_forgets_answers(site, people, mailbox):
    mode = people.mode
    email = f"mo.sessions.{mode}@example.org"
    title = f"Knit and natter ({mode})"
    event = new_event(new_person(f"knit.host.{mode}@example.org", "Kit Host"), title=title)
    page_url = event_url(event)

    # Mo answers as a guest and confirms: this browser remembers the answer.
    mo = people()
    page = mo.page
    visit(page, page_url)
    mo.answer_as_guest("Mo Member", email)
    expect(mo.confirm_answer(mailbox, email, title)).to_have_text("You're going.")

    # Signed in here and on another device.
    mo.sign_in(email, mailbox)
    other = people()
    other.sign_in(email, mailbox)

    visit(page, "/me/")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    mo.check("me-sign-out-everywhere")
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_text("You are signed out everywhere. Sign in again on each device you use.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    # This browser no longer knows Mo's answer, and the other device is signed out too.
    visit(page, page_url)
    expect(page.get_by_role("region", name="Are you coming?").locator(".my-answer")).to_have_count(0)
    expect(page.get_by_label("Your email")).to_be_visible()
    visit(other.page, "/me/")
    expect(other.page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(other.page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(other.page.get_by_role("link", name=title)).to_have_count(0)
    db.session.rollback()
    assert find_rsvp(event, find_person(email)).status is RsvpStatus.GOING, "signing out changed the answer"
