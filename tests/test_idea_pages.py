"""The ideas board's pages: forms with bad input, CSRF, who sees what, enumeration,
the per-address mail limit, query counts, /ideas.atom and /api/ideas."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventsite import ideas
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.ideas import IdeaDetails
from eventsite.models import EventKind, Idea, IdeaStatus, OutboxMail, PendingSupport, Person, Place
from tests.conftest import new_person, new_place, statements_for, without_csrf_tokens

MAX_STATEMENTS = 10


def make_idea(title="Canal walk", author=None, **fields) -> Idea:
    author = author or new_person(email=f"author{utcnow().timestamp()}@example.org", name="Ada")
    idea = ideas.post_idea(IdeaDetails(title=title, kind=fields.pop("kind", EventKind.WALK), **fields), author)
    db.session.commit()
    return idea


def page_of(idea: Idea) -> str:
    return f"/ideas/{idea.id}-{idea.slug}"


def queued_link(address: str, marker: str) -> str:
    """The path of the link in the last mail queued to ``address`` (outside a request, it is not sent)."""
    mail = db.session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id.desc())
    ).first()
    return next(word for word in mail.body.split() if marker in word).removeprefix("http://eventsite.test")


GOOD = {"title": "A film night", "kind": "cinema-club", "description": "Something *short*.", "tags": "film, fun"}


# -- posting ------------------------------------------------------------------------------------


def test_signed_in_person_posts_an_idea(client, auth, app):
    new_person(email="ada@example.org", name="Ada")
    auth.sign_in("ada@example.org")
    response = client.post("/ideas/new", data={**GOOD, "place": "online"})
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    assert response.location.endswith(page_of(idea))
    assert idea.is_online
    assert idea.status is IdeaStatus.OPEN
    page = client.get(page_of(idea))
    assert page.status_code == 200
    assert "<em>short</em>" in page.text
    assert "#film" in page.text


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "Give your idea a title."), ("x" * 121, "Keep the title to 120 characters or fewer.")],
)
def test_bad_title_is_explained_beside_the_field(client, app, title, message):
    response = client.post("/ideas/new", data={**GOOD, "title": title, "name": "Gus", "email": "gus@example.org"})
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(Idea)) is None


def test_every_message_shows_at_once(client, app):
    response = client.post("/ideas/new", data={"title": "", "kind": "nonsense", "place": "atlantis", "tags": "$$$"})
    assert response.status_code == 422
    for message in ("Give your idea a title.", "Not a valid choice", "Choose a place from the list.",
                    "Tags may use letters", "Enter your email address", "Enter your name"):  # fmt: skip
        assert message in response.text, message


def test_hostile_values_are_refused_or_escaped(client, app):
    response = client.post("/ideas/new", data={**GOOD, "title": "Hi\x00there", "name": "G", "email": "g@example.org"})
    assert response.status_code == 422
    assert "characters that cannot be used" in response.text
    hostile = {**GOOD, "title": "<script>alert(1)</script>", "description": "<img src=x onerror=alert(1)>"}
    response = client.post("/ideas/new", data={**hostile, "name": "<b>G</b>", "email": "g@example.org"})
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    idea.status = IdeaStatus.OPEN
    db.session.commit()
    page = client.get(page_of(idea)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img" not in page
    assert "<script>alert" not in client.get("/ideas").text


def test_guest_posts_confirms_by_link_and_is_signed_in(client, mailbox, app):
    response = client.post("/ideas/new", data={**GOOD, "name": "Gus", "email": "gus@example.org"})
    assert response.status_code == 302
    assert response.location.endswith("/ideas/new/check-email")
    assert client.get("/ideas/new/check-email").status_code == 200
    idea = db.session.scalar(select(Idea))
    assert client.get(page_of(idea)).status_code == 404  # unconfirmed: nobody sees it yet
    link = mailbox.link_to("gus@example.org", containing="/ideas/confirm/")
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm and post" in page.text
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.UNCONFIRMED  # a GET changes nothing
    response = client.post(link)
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.OPEN
    assert idea.created_by.email == "gus@example.org"
    assert "Sign out (Gus)" in client.get(page_of(idea)).text
    assert client.post(link).status_code == 410  # once only
    assert client.get(link).status_code == 410
    assert client.get("/ideas/confirm/nonsense").status_code == 410


def test_expired_confirm_link_answers_410(client, mailbox, app):
    client.post("/ideas/new", data={**GOOD, "name": "Gus", "email": "gus@example.org"})
    link = mailbox.link_to("gus@example.org", containing="/ideas/confirm/")
    idea = db.session.scalar(select(Idea))
    idea.confirm_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link)
    assert response.status_code == 410
    assert "already been used or has expired" in response.text


# -- support --------------------------------------------------------------------------------------


def test_signed_in_support_toggles_each_kind(client, auth, app):
    idea = make_idea()
    new_person(email="bo@example.org", name="Bo")
    auth.sign_in("bo@example.org")
    assert client.post(f"/ideas/{idea.id}/support", data={"support": "come"}).status_code == 302
    assert client.post(f"/ideas/{idea.id}/support", data={"support": "host", "show_name": "y"}).status_code == 302
    page = client.get(page_of(idea)).text
    assert "<strong>1</strong> would come" in page
    assert "<strong>1</strong> could host" in page
    assert "Offered to host: Bo" in page
    client.post(f"/ideas/{idea.id}/support", data={"support": "come"})  # withdraw "I'd come"
    db.session.refresh(idea)
    assert (idea.would_come_count, idea.could_host_count) == (0, 1)


def test_bad_support_value_is_refused(client, app):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/support", data={"support": "both!", "email": "x@example.org"})
    assert response.status_code == 422
    response = client.post(f"/ideas/{idea.id}/support", data={"support": "come"})
    assert response.status_code == 422
    assert "Enter your email address" in response.text
    assert db.session.scalar(select(PendingSupport)) is None


def test_guest_support_counts_only_after_the_link(client, mailbox, app):
    idea = make_idea()
    response = client.post(
        f"/ideas/{idea.id}/support", data={"support": "come", "name": "Cat", "email": "cat@example.org"}
    )
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.would_come_count == 0
    link = mailbox.link_to("cat@example.org", containing="/ideas/support/")
    page = client.get(link)
    assert page.status_code == 200
    assert "I'd come" in page.text
    db.session.refresh(idea)
    assert idea.would_come_count == 0  # a GET changes nothing
    assert client.post(link).status_code == 302
    db.session.refresh(idea)
    assert idea.would_come_count == 1
    assert client.post(link).status_code == 410
    assert client.get("/ideas/support/1.nonsense").status_code == 410
    assert client.post("/ideas/support/999.nonsense").status_code == 410


def test_guest_support_page_is_the_same_for_known_and_unknown_addresses(client, app):
    idea = make_idea()
    known = new_person(email="known@example.org", name="Known")
    ideas.set_support(idea, known, would_come=True)
    db.session.commit()

    def answer(email):
        response = client.post(
            f"/ideas/{idea.id}/support", data={"support": "come", "email": email}, follow_redirects=True
        )
        assert response.status_code == 200
        return re.sub(r"[\w.]+@example\.org", "ADDRESS", response.text)

    assert answer("known@example.org") == answer("unknown@example.org")
    db.session.refresh(idea)
    assert idea.would_come_count == 1


def test_support_mails_are_limited_per_address(client, app, mailbox):
    app.config["ANSWER_MAILS_PER_ADDRESS"] = 2
    idea = make_idea()
    pages = []
    for _ in range(4):
        response = client.post(f"/ideas/{idea.id}/support", data={"support": "come", "email": "dan@example.org"},
                               follow_redirects=True)  # fmt: skip
        pages.append(without_csrf_tokens(response.text))
    assert len(mailbox.to("dan@example.org")) == 2
    assert pages[0] == pages[3]  # past the limit, the page does not tell
    assert len(db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == "dan@example.org")).all()) == 2


def test_closed_idea_takes_no_support(client, app):
    idea = make_idea()
    ideas.close_idea(idea, idea.created_by)
    db.session.commit()
    response = client.post(f"/ideas/{idea.id}/support", data={"support": "come", "email": "e@example.org"})
    assert response.status_code == 302
    assert db.session.scalar(select(PendingSupport)) is None


# -- closing, hiding, reporting ------------------------------------------------------------------


def test_close_by_author_only(client, auth, app):
    author = new_person(email="ada@example.org", name="Ada")
    idea = make_idea(author=author)
    new_person(email="other@example.org", name="Oli")
    auth.sign_in("other@example.org")
    assert client.post(f"/ideas/{idea.id}/close").status_code == 403
    auth.sign_out()
    auth.sign_in("ada@example.org")
    assert "Close this idea" in client.get(page_of(idea)).text
    assert client.post(f"/ideas/{idea.id}/close").status_code == 302
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.CLOSED
    assert idea.title not in client.get("/ideas").text
    assert idea.title in client.get("/ideas/older").text


def test_hidden_ideas_404_for_everyone_but_author_and_stewards(client, auth, app):
    author = new_person(email="ada@example.org", name="Ada")
    idea = make_idea(author=author, title="Secret plan")
    new_person(email="sam@example.org", name="Sam", steward=True)
    new_person(email="oli@example.org", name="Oli")
    auth.sign_in("oli@example.org")
    assert client.post(f"/stewards/ideas/{idea.id}/hide").status_code == 403
    auth.sign_out()
    auth.sign_in("sam@example.org")
    assert client.post(f"/stewards/ideas/{idea.id}/hide").status_code == 302
    assert "Secret plan" in client.get("/stewards/").text  # on the queue, to restore
    auth.sign_out()
    assert client.get(page_of(idea)).status_code == 404
    assert client.get(f"/ideas/{idea.id}/report").status_code == 404
    assert client.post(f"/ideas/{idea.id}/support", data={"support": "come"}).status_code == 404
    assert "Secret plan" not in client.get("/ideas").text
    assert "Secret plan" not in client.get("/api/ideas").text
    auth.sign_in("oli@example.org")
    assert client.get(page_of(idea)).status_code == 404
    auth.sign_out()
    auth.sign_in("ada@example.org")
    assert client.get(page_of(idea)).status_code == 200
    auth.sign_out()
    auth.sign_in("sam@example.org")
    assert client.post(f"/stewards/ideas/{idea.id}/restore").status_code == 302
    auth.sign_out()
    assert client.get(page_of(idea)).status_code == 200
    assert client.get("/ideas/99999").status_code == 404
    assert client.get("/ideas/99999999999").status_code == 404


def test_held_idea_is_on_the_steward_queue_and_approved(client, auth, app):
    app.config["MODERATION"] = "all"
    idea = make_idea(title="Waiting idea")
    new_person(email="sam@example.org", name="Sam", steward=True)
    assert client.get(page_of(idea)).status_code == 404
    auth.sign_in("sam@example.org")
    assert "Waiting idea" in client.get("/stewards/").text
    assert client.post(f"/stewards/ideas/{idea.id}/approve").status_code == 302
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.OPEN


def test_report_emails_the_stewards(client, mailbox, app):
    idea = make_idea()
    new_person(email="sam@example.org", name="Sam", steward=True)
    assert client.get(f"/ideas/{idea.id}/report").status_code == 200
    response = client.post(f"/ideas/{idea.id}/report", data={"reason": ""})
    assert response.status_code == 422
    assert "Say briefly what is wrong" in response.text
    assert client.post(f"/ideas/{idea.id}/report", data={"reason": "Spam"}).status_code == 302
    body = mailbox.text(mailbox.last_to("sam@example.org"))
    assert "Spam" in body
    assert page_of(idea) in body


def test_every_post_needs_a_csrf_token(client, auth, app, mailbox):
    author = new_person(email="ada@example.org", name="Ada")
    new_person(email="sam@example.org", name="Sam", steward=True)
    idea = make_idea(author=author)
    ideas.ask_to_confirm_support(idea, "g@example.org", "G", would_come=True, could_host=False)
    ideas.post_idea_as_guest(IdeaDetails(title="Guest idea", kind=EventKind.PARTY), "h@example.org", "H")
    db.session.commit()
    support_link = queued_link("g@example.org", "/ideas/support/")
    confirm_link = queued_link("h@example.org", "/ideas/confirm/")
    auth.sign_in("sam@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    posts = [
        ("/ideas/new", GOOD),
        (f"/ideas/{idea.id}/support", {"support": "come"}),
        (f"/ideas/{idea.id}/close", {}),
        (f"/ideas/{idea.id}/report", {"reason": "Spam"}),
        (f"/stewards/ideas/{idea.id}/hide", {}),
        (support_link, {}),
        (confirm_link, {}),
    ]
    for path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.OPEN
    assert idea.would_come_count == 0
    assert len(db.session.scalars(select(Idea)).all()) == 2


# -- the board, feeds and the API -----------------------------------------------------------------


def test_board_sorts_and_filters(client, app):
    armley = new_place("Armley")
    quiet = make_idea(title="Quiet idea", place=armley)
    loved = make_idea(title="Loved idea", kind=EventKind.PARTY, tags=["fun"])
    ideas.set_support(loved, new_person(email="f@example.org"), would_come=True)
    db.session.commit()
    text = client.get("/ideas").text
    assert text.index("Loved idea") < text.index("Quiet idea")
    assert "Quiet idea" not in client.get("/ideas?kind=party").text
    assert "Loved idea" not in client.get("/ideas?place=armley").text
    assert "Quiet idea" not in client.get("/ideas?tag=fun").text
    response = client.get("/ideas?kind=&place=armley")
    assert response.status_code == 302
    assert response.location.endswith("/ideas?place=armley")
    response = client.get("/ideas?kind=nonsense&place=atlantis&page=x")
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert "Loved idea" in response.text
    assert quiet.title in response.text


def test_faded_idea_moves_to_older_ideas(client, app):
    idea = make_idea(title="Long ago")
    idea.last_activity_at = utcnow() - timedelta(days=app.config["IDEA_FADE_DAYS"] + 1)
    db.session.commit()
    assert "Long ago" not in client.get("/ideas").text
    assert "Long ago" in client.get("/ideas/older").text
    assert "older ideas" in client.get(page_of(idea)).text


def test_board_queries_do_not_grow_with_ideas_or_supporters(client, app):
    app.config["EVENTS_PER_PAGE"] = 50
    client.get("/healthz")
    place_id = new_place("Armley").id
    people_ids = [new_person(email=f"s{n}@example.org", name=f"S{n}").id for n in range(8)]

    def add(count, supporters):
        place = db.session.get(Place, place_id)
        people = [db.session.get(Person, person_id) for person_id in people_ids]
        for number in range(count):
            idea = make_idea(title=f"Idea {utcnow().timestamp()} {number}", place=place, tags=["a", f"t{number}"])
            for person in people[:supporters]:
                ideas.set_support(idea, person, would_come=True, could_host=True, show_name=True)
        db.session.commit()

    add(2, 1)
    few = statements_for(client, "/ideas")
    add(20, 8)
    many = statements_for(client, "/ideas")
    assert client.get("/ideas").text.count('class="idea-card') == 22
    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)
    idea = db.session.scalars(select(Idea).order_by(Idea.id.desc())).first()
    assert len(statements_for(client, page_of(idea))) <= MAX_STATEMENTS


def test_ideas_atom_lists_open_ideas_newest_first(client, app):
    first = make_idea(title="First <idea>")
    first.created_at = utcnow() - timedelta(days=1)
    make_idea(title="Second")
    make_idea(title="Hidden one").status = IdeaStatus.HIDDEN
    db.session.commit()
    response = client.get("/ideas.atom")
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    titles = re.findall(r"<entry>\s*<id>[^<]*</id>\s*<title>([^<]*)</title>", response.text)
    assert titles == ["Second", "First &lt;idea&gt;"]  # escaped: the feed stays well-formed


def test_api_ideas(client, app):
    idea = make_idea(title="Walk", tags=["green"], is_online=True)
    ideas.set_support(idea, new_person(email="f@example.org"), would_come=True)
    make_idea(title="Party", kind=EventKind.PARTY)
    db.session.commit()
    response = client.get("/api/ideas?kind=walk")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["page"] == 1
    assert data["has_next"] is False
    assert [item["title"] for item in data["ideas"]] == ["Walk"]
    assert data["ideas"][0]["would_come"] == 1
    assert data["ideas"][0]["tags"] == ["green"]
    assert data["ideas"][0]["url"].endswith(page_of(idea))
    assert client.get("/api/ideas?per_page=1").get_json()["has_next"] is True
    bad = client.get("/api/ideas?kind=nonsense")
    assert bad.status_code == 400
    assert "kind" in bad.get_json()["errors"]


def test_ideas_never_appear_in_calendar_feeds(client, app):
    make_idea(title="Undated idea")
    assert "Undated idea" not in client.get("/calendar.ics").text
