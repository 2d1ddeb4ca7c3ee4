"""Brew and biscuits, the rounds (issue 13), on the database: who is ready, the refusal that
changes nothing, how often people are paired, the cooldown and exclusions, the owed,
snoozed and paused, each meeting's slots and place, the introductions, agreeing a slot,
the private calendar entry, the one follow-up and the missed-rounds pause."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsite import brew, brew_meetings, brew_rounds
from eventsite.brew import SignUp
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feeds import personal_feed, shared_feed
from eventsite.listing import EventFilters
from eventsite.mail import deliver
from eventsite.models import (
    BrewFrequency,
    BrewGroup,
    BrewMember,
    BrewMode,
    BrewRound,
    BrewSector,
    BrewVenue,
    MetAnswer,
    OutboxMail,
)
from eventsite.retention import purge
from tests.conftest import new_event, new_person, new_place

HOUSING, SOCIAL, PRIMARY, COMMUNITY = (
    BrewSector.HOUSING,
    BrewSector.SOCIAL_CARE,
    BrewSector.PRIMARY_CARE,
    BrewSector.COMMUNITY_HEALTH,
)
INTRODUCTION = "Your brew and biscuits match"


def member(email: str, sector: BrewSector, **fields) -> BrewMember:
    """Someone in the pool; every round unless told otherwise."""
    fields.setdefault("frequency", BrewFrequency.EVERY_ROUND)
    person = new_person(email=email, name=email.split("@")[0].title())
    joined, _ = brew.join(person, SignUp(sector=sector, **fields))
    db.session.commit()
    return joined


def start(now=None) -> BrewRound:
    brew_round = brew_rounds.start_round(now=now)
    db.session.commit()
    return brew_round


def groups_of(brew_round: BrewRound) -> set[frozenset[int]]:
    return {frozenset(row.person_id for row in group.members) for group in brew_round.groups}


def paired_ids(brew_round: BrewRound) -> set[int]:
    return {person_id for group in groups_of(brew_round) for person_id in group}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def only_group(brew_round: BrewRound) -> BrewGroup:
    assert len(brew_round.groups) == 1
    return brew_round.groups[0]


def row_of(group: BrewGroup, joined: BrewMember):
    return next(row for row in group.members if row.person_id == joined.person_id)


# -- a round that cannot be made --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sectors", "message"),
    [
        ([], "Nobody is ready"),
        ([HOUSING], "Only one person is ready"),
        ([HOUSING, HOUSING], "Nobody ready can be paired"),
    ],
)
def test_too_few_to_pair_is_refused_and_changes_nothing(app, sectors, message):
    pool = [member(f"p{n}@example.org", sector) for n, sector in enumerate(sectors)]
    before = [(m.id, m.last_matched_at, m.last_matched_round_id, m.owed, m.missed_rounds) for m in pool]
    mails = count(OutboxMail)
    with pytest.raises(InvalidInput) as error:
        brew_rounds.start_round()
    db.session.rollback()  # as the view and the command do
    assert error.value.field == "round"
    assert message in error.value.message
    assert "no round was started" in error.value.message
    assert (count(BrewRound), count(BrewGroup), count(OutboxMail)) == (0, 0, mails)
    after = [(m.id, m.last_matched_at, m.last_matched_round_id, m.owed, m.missed_rounds) for m in pool]
    assert after == before


def test_a_refused_round_does_not_close_earlier_meetings(app):
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    first = start()
    close_at = brew_meetings.follow_up_due(only_group(first)) + brew_meetings.ANSWER_WINDOW
    brew.snooze(ben, brew.today() + timedelta(days=30))
    db.session.commit()
    with pytest.raises(InvalidInput):
        brew_rounds.start_round(now=close_at)  # past answering: only send-follow-ups closes it
    db.session.rollback()
    assert only_group(first).closed_at is None
    assert (ana.missed_rounds, ben.missed_rounds) == (0, 0)
    assert count(BrewRound) == 1


# -- how often, and with whom -------------------------------------------------------------------


def test_nobody_is_paired_more_often_than_they_asked(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0  # only the frequency keeps anyone out here
    monthly = member("mo@example.org", HOUSING, frequency=BrewFrequency.MONTHLY)
    ana, ben = member("ana@example.org", SOCIAL), member("ben@example.org", PRIMARY)
    t0 = utcnow()
    everyone = {monthly.person_id, ana.person_id, ben.person_id}
    assert paired_ids(start(t0)) == everyone
    ten_days_on = start(t0 + timedelta(days=10))
    assert paired_ids(ten_days_on) == {ana.person_id, ben.person_id}
    assert ten_days_on.eligible == 2
    assert paired_ids(start(t0 + timedelta(days=28))) == everyone


def test_no_pair_repeats_within_the_cooldown_and_may_after_it(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 2
    for email, sector in (("a@example.org", HOUSING), ("b@example.org", SOCIAL), ("c@example.org", PRIMARY)):
        member(email, sector)
    member("d@example.org", COMMUNITY)
    t0 = utcnow()
    rounds = []
    for n in range(4):
        brew_round = start(t0 + timedelta(days=n))
        answer_everyone_but(brew_round, set())  # nobody is paused for silence here
        rounds.append(groups_of(brew_round))
    first, second, third, fourth = rounds
    assert all(len(groups) == 2 for groups in rounds)
    assert not first & second
    assert not second & third
    assert not first & third
    assert fourth == first  # the last two rounds rule out every other pairing of four


@pytest.mark.parametrize("who_excludes", ["ana", "ben"])
def test_an_exclusion_keeps_two_apart_whoever_made_it(app, who_excludes):
    ana = member("ana@example.org", HOUSING, excluded_emails=["BEN@example.org"] if who_excludes == "ana" else [])
    ben = member("ben@example.org", SOCIAL, excluded_emails=["ana@example.org"] if who_excludes == "ben" else [])
    member("cat@example.org", PRIMARY)
    brew_round = start()
    assert not any({ana.person_id, ben.person_id} <= group for group in groups_of(brew_round))
    assert (brew_round.pairs, brew_round.trios, brew_round.left_out) == (1, 0, 1)


def test_an_exclusion_holds_for_an_address_stored_with_capitals(app):
    ana = member("ana@example.org", HOUSING, excluded_emails=["ben@example.org"])
    ben = member("Ben@Example.org", SOCIAL)  # e.g. a steward added by `flask steward add`
    member("cat@example.org", PRIMARY)
    assert not any({ana.person_id, ben.person_id} <= group for group in groups_of(start()))


def test_whoever_is_left_out_is_owed_and_paired_first_next_round(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", HOUSING)
    cat = member("cat@example.org", SOCIAL)
    first = start()
    assert first.left_out == 1
    (left_out,) = [m for m in (ana, ben) if m.person_id not in paired_ids(first)]
    (paired,) = [m for m in (ana, ben) if m is not left_out]
    assert (left_out.owed, paired.owed, cat.owed) == (True, False, False)
    second = start(utcnow() + timedelta(days=1))
    assert groups_of(second) == {frozenset({left_out.person_id, cat.person_id})}
    assert left_out.owed is False
    assert paired.owed is True


def test_a_trio_takes_the_odd_one_and_its_people_are_owed(app):
    pool = [member(f"p{n}@example.org", sector) for n, sector in enumerate((HOUSING, SOCIAL, PRIMARY))]
    brew_round = start()
    assert (brew_round.pairs, brew_round.trios, brew_round.left_out, brew_round.eligible) == (0, 1, 0, 3)
    assert all(m.owed for m in pool)
    assert all(m.last_matched_round_id == brew_round.id for m in pool)


def test_snoozed_and_paused_members_are_not_paired(app):
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    snoozed, paused = member("sno@example.org", PRIMARY), member("pau@example.org", COMMUNITY)
    brew.snooze(snoozed, brew.today() + timedelta(days=7))
    paused.paused_at = utcnow()
    db.session.commit()
    assert [m.id for m in brew_rounds.ready_members(utcnow())] == [ana.id, ben.id]
    brew_round = start()
    assert groups_of(brew_round) == {frozenset({ana.person_id, ben.person_id})}
    assert brew_round.eligible == 2


# -- each meeting's times and place ----------------------------------------------------------------


@pytest.mark.parametrize("days_ahead", range(7))
def test_three_slots_on_working_days_in_the_coming_fortnight(app, days_ahead):
    zone = app.config["ZONE"]
    now = utcnow() + timedelta(days=days_ahead)
    today = now.astimezone(zone).date()
    for index in range(3):
        slots = [slot.astimezone(zone) for slot in brew_rounds.suggested_slots(now, index)]
        assert len(slots) == 3
        assert slots == sorted(slots)
        for slot in slots:
            assert 2 <= (slot.date() - today).days <= 13
            assert slot.weekday() < 5
            assert slot.time().replace(tzinfo=None) in brew_rounds.SLOT_TIMES


def test_a_rounds_meetings_have_their_slots_in_the_site_zone(app):
    member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    now = utcnow()
    group = only_group(start(now))
    assert group.timezone == app.config["TIMEZONE"]
    assert group.slot_starts == brew_rounds.suggested_slots(now, 0)
    assert all(slot > now for slot in group.slot_starts)


def test_an_in_person_pair_in_one_locality_gets_a_venue_there(app):
    armley, bramley = new_place("Armley"), new_place("Bramley")
    db.session.add_all(
        [
            BrewVenue(place=bramley, name="Bramley Baths Café", address="Broad Lane"),
            BrewVenue(place=armley, name="Armley Mills Café", address="Canal Road"),
        ]
    )
    db.session.commit()
    member("ana@example.org", HOUSING, mode=BrewMode.IN_PERSON, place=armley)
    member("ben@example.org", SOCIAL, mode=BrewMode.IN_PERSON, place=armley)
    group = only_group(start())
    assert group.place == armley
    assert (group.venue_name, group.address) == ("Armley Mills Café", "Canal Road")
    assert not group.is_online
    assert group.online_url == ""


def test_an_online_pair_gets_a_room_of_its_own(app):
    app.config["BREW_ONLINE_URL"] = "https://rooms.example/brew-{key}"
    for email, sector in (("a@example.org", HOUSING), ("b@example.org", SOCIAL), ("c@example.org", PRIMARY)):
        member(email, sector, mode=BrewMode.ONLINE)
    member("d@example.org", COMMUNITY, mode=BrewMode.ONLINE)
    groups = start().groups
    assert len(groups) == 2
    assert all(group.is_online and group.place is None for group in groups)
    assert all(group.online_url.startswith("https://rooms.example/brew-") for group in groups)
    assert groups[0].online_url != groups[1].online_url


# -- the introductions -------------------------------------------------------------------------------


def test_each_person_gets_one_introduction_with_only_what_the_other_shares(app, mailbox):
    ana = member(
        "ana@example.org",
        HOUSING,
        organisation="Leeds Homes",
        about="How hospital discharge works",
        interests=["tenancy"],
        share_email=True,
        excluded_emails=["secret-boss@example.org"],
    )
    ben = member(
        "ben@example.org",
        SOCIAL,
        organisation="Adult Social Care",
        about="Housing adaptations",
        share_email=False,
        excluded_emails=["hidden-colleague@example.org"],
    )
    start()
    deliver()
    to_ana = [m for m in mailbox.to("ana@example.org") if m["Subject"] == INTRODUCTION]
    to_ben = [m for m in mailbox.to("ben@example.org") if m["Subject"] == INTRODUCTION]
    assert len(to_ana) == len(to_ben) == 1
    text_for_ana, text_for_ben = mailbox.text(to_ana[0]), mailbox.text(to_ben[0])

    assert "Social care" in text_for_ana
    assert "Adult Social Care" in text_for_ana
    assert "Housing adaptations" in text_for_ana
    assert "ben@example.org" not in text_for_ana  # Ben keeps his address to himself
    assert to_ana[0]["Reply-To"] is None

    assert "Housing" in text_for_ben
    assert "Leeds Homes" in text_for_ben
    assert "How hospital discharge works" in text_for_ben
    assert "tenancy" in text_for_ben
    assert "ana@example.org" in text_for_ben
    assert to_ben[0]["Reply-To"] == "ana@example.org"

    for message in (*to_ana, *to_ben):
        body = mailbox.text(message)
        assert "secret-boss@example.org" not in body
        assert "hidden-colleague@example.org" not in body
    assert brew.manage_url(ana) in text_for_ana
    assert brew.manage_url(ben) in text_for_ben
    group = only_group(db.session.scalars(select(BrewRound)).one())
    assert brew_meetings.meeting_url(group, row_of(group, ana)) in text_for_ana
    assert brew_meetings.meeting_url(group, row_of(group, ana)) not in text_for_ben


# -- agreeing a time -----------------------------------------------------------------------------------


def trio():
    people = (("ana", HOUSING), ("ben", SOCIAL), ("cat", PRIMARY))
    pool = [member(f"{name}@example.org", sector) for name, sector in people]
    return pool, only_group(start())


def test_a_meeting_is_agreed_only_when_everyone_accepted_a_common_slot(app, mailbox):
    (ana, ben, cat), group = trio()
    assert brew_meetings.accept_slot(group, row_of(group, ana), 1) is False
    assert brew_meetings.accept_slot(group, row_of(group, ana), 2) is False
    assert brew_meetings.accept_slot(group, row_of(group, ben), 2) is False
    assert brew_meetings.accept_slot(group, row_of(group, cat), 1) is False
    assert brew_meetings.accept_slot(group, row_of(group, ana), 2, accepted=False) is False
    assert row_of(group, ana).accepted == [1]
    assert group.agreed_slot is None
    assert brew_meetings.accept_slot(group, row_of(group, ben), 1) is True
    db.session.commit()
    assert group.agreed_slot == 1
    assert group.agreed_at is not None
    deliver()
    uid = f"UID:brew-{group.id}@eventsite.test"
    for person in (ana, ben, cat):
        agreed = mailbox.last_to(person.person.email)
        assert agreed["Subject"].startswith("It's agreed: Brew with")
        (attachment,) = mailbox.attachments(agreed)
        assert attachment.get_content_type() == "text/calendar"
        calendar = attachment.get_content()
        calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
        assert uid in calendar
        assert "METHOD:REQUEST" in calendar
        assert person.person.email not in calendar


def test_accepting_is_refused_once_agreed_or_for_a_bad_index(app):
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    group = only_group(start())
    for index in (-1, 3):
        with pytest.raises(InvalidInput, match="suggested times"):
            brew_meetings.accept_slot(group, row_of(group, ana), index)
    brew_meetings.accept_slot(group, row_of(group, ana), 0)
    brew_meetings.accept_slot(group, row_of(group, ben), 0)
    with pytest.raises(InvalidInput, match="already agreed"):
        brew_meetings.accept_slot(group, row_of(group, ben), 1)
    assert group.agreed_slot == 0


def test_accepting_a_slot_that_has_passed_is_refused(app):
    ana, _ = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    old = only_group(start(utcnow() - timedelta(days=20)))
    with pytest.raises(InvalidInput, match="passed"):
        brew_meetings.accept_slot(old, row_of(old, ana), 2)
    assert row_of(old, ana).accepted == []


def test_meeting_links_need_the_right_key(app):
    ana, _ = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    group = only_group(start())
    row = row_of(group, ana)
    assert brew_meetings.meeting_for_token(f"{group.id}.{row.key}") == (group, row)
    wrong = "0" * 32 if row.key != "0" * 32 else "1" * 32
    for token in (f"{group.id}.{wrong}", f"{group.id + 1}.{row.key}", row.key, ""):
        assert brew_meetings.meeting_for_token(token) is None


def test_the_agreed_meeting_is_only_in_its_own_peoples_personal_feeds(app):
    new_event(title="A public walk")  # the shared feed has something in it
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    cat, dan = member("cat@example.org", PRIMARY), member("dan@example.org", COMMUNITY)
    outsider = new_person(email="out@example.org", name="Olu")
    brew_round = start()
    group = next(g for g in brew_round.groups if ana.person_id in {row.person_id for row in g.members})
    other_people = [m for m in (ben, cat, dan) if m.person_id not in {row.person_id for row in group.members}]
    (partner,) = [m for m in (ben, cat, dan) if m not in other_people]
    uid = f"UID:brew-{group.id}@eventsite.test".encode()
    assert uid not in personal_feed(ana.person).body  # not before it is agreed
    brew_meetings.accept_slot(group, row_of(group, ana), 0)
    brew_meetings.accept_slot(group, row_of(group, partner), 0)
    db.session.commit()

    for person in (ana.person, partner.person):
        body = personal_feed(person).body
        assert uid in body
        assert b"CLASS:PRIVATE" in body
    for person in (*(m.person for m in other_people), outsider):
        assert b"brew-" not in personal_feed(person).body
    shared = shared_feed(EventFilters(), "Everything", "en_GB").body
    assert b"A public walk" in shared
    assert b"brew-" not in shared
    assert b"Brew with" not in shared


# -- after the meeting ----------------------------------------------------------------------------------


def test_one_follow_up_each_after_the_meeting_time_never_twice(app):
    member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    group = only_group(start())
    due = brew_meetings.follow_up_due(group)
    assert due == group.slot_starts[-1] + timedelta(minutes=brew_meetings.SLOT_MINUTES) + brew_meetings.FOLLOW_UP_AFTER
    assert brew_meetings.send_follow_ups(now=due - timedelta(minutes=1)) == 0
    assert brew_meetings.send_follow_ups(now=due + timedelta(minutes=1)) == 2
    db.session.commit()
    assert brew_meetings.send_follow_ups(now=due + timedelta(days=1)) == 0
    asked = db.session.scalars(select(OutboxMail).where(OutboxMail.subject == "Did you meet?")).all()
    assert sorted(mail.to_address for mail in asked) == ["ana@example.org", "ben@example.org"]
    assert all(f"#{answer.value}" in asked[0].body for answer in MetAnswer)


def test_the_follow_up_waits_for_the_agreed_slot_to_end(app):
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    group = only_group(start())
    brew_meetings.accept_slot(group, row_of(group, ana), 0)
    brew_meetings.accept_slot(group, row_of(group, ben), 0)
    db.session.commit()
    due = group.slot_starts[0] + timedelta(minutes=brew_meetings.SLOT_MINUTES) + brew_meetings.FOLLOW_UP_AFTER
    assert brew_meetings.follow_up_due(group) == due
    assert brew_meetings.send_follow_ups(now=due - timedelta(minutes=1)) == 0
    assert brew_meetings.send_follow_ups(now=due) == 2


def test_someone_who_answered_is_not_asked(app):
    ana, _ = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    group = only_group(start())
    brew_meetings.answer_follow_up(group, row_of(group, ana), MetAnswer.YES, now=brew_meetings.follow_up_due(group))
    db.session.commit()
    assert brew_meetings.send_follow_ups(now=brew_meetings.follow_up_due(group)) == 1
    assert row_of(group, ana).followed_up_at is None


def answer_everyone_but(brew_round: BrewRound, silent: set[int]) -> None:
    for group in brew_round.groups:
        for row in group.members:
            if row.person_id not in silent:
                brew_meetings.answer_follow_up(group, row, MetAnswer.YES, now=brew_meetings.follow_up_due(group))
    db.session.commit()


def close(brew_round: BrewRound) -> int:
    """What ``flask send-follow-ups`` does once the round's meetings are past answering."""
    latest = max(brew_meetings.follow_up_due(group) for group in brew_round.groups)
    paused = brew_meetings.close_finished_meetings(now=latest + brew_meetings.ANSWER_WINDOW)
    db.session.commit()
    return paused


def test_three_silent_meetings_pause_a_member_and_a_response_resets_the_count(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    ghost = member("ghost@example.org", HOUSING)
    late = member("late@example.org", SOCIAL)
    member("cat@example.org", PRIMARY), member("dan@example.org", COMMUNITY)
    t0 = utcnow()
    first = start(t0)
    answer_everyone_but(first, {ghost.person_id, late.person_id})  # late says nothing, once
    assert close(first) == 0
    assert (ghost.missed_rounds, late.missed_rounds) == (1, 1)
    second = start(t0 + timedelta(days=20))
    answer_everyone_but(second, {ghost.person_id})
    close(second)
    assert (ghost.missed_rounds, late.missed_rounds) == (2, 0)
    assert ghost.paused_at is None
    third = start(t0 + timedelta(days=40))
    answer_everyone_but(third, {ghost.person_id})
    assert not db.session.scalars(select(OutboxMail).where(OutboxMail.subject == "We've paused your brews")).all()

    assert close(third) == 1
    assert ghost.missed_rounds == 3
    assert ghost.paused_at is not None
    assert brew.is_resting(ghost)
    assert late.paused_at is None
    assert ghost.person_id not in paired_ids(start(t0 + timedelta(days=60)))
    (paused_mail,) = db.session.scalars(select(OutboxMail).where(OutboxMail.subject == "We've paused your brews"))
    assert paused_mail.to_address == "ghost@example.org"
    assert brew.manage_url(ghost) in paused_mail.body


def test_a_meeting_stays_open_for_answers_until_a_week_after_its_follow_up(app):
    ana, _ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    brew_round = start()
    group = only_group(brew_round)
    due = brew_meetings.follow_up_due(group)
    assert brew_meetings.close_finished_meetings(now=due + brew_meetings.ANSWER_WINDOW - timedelta(minutes=1)) == 0
    assert group.closed_at is None
    assert ana.missed_rounds == 0
    brew_meetings.close_finished_meetings(now=due + brew_meetings.ANSWER_WINDOW)
    assert group.closed_at is not None
    assert ana.missed_rounds == 1


def test_a_silent_pool_is_paused_even_when_no_round_can_start(app):
    """Pausing happens when meetings close, not when a round starts: a refused round cannot undo it."""
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    t0 = utcnow()
    for number in range(3):
        close(start(t0 + timedelta(days=20 * number)))
    assert ana.paused_at is not None
    assert ben.paused_at is not None
    with pytest.raises(InvalidInput, match="Nobody is ready"):
        brew_rounds.start_round(now=t0 + timedelta(days=60))
    db.session.rollback()
    assert ana.paused_at is not None


def test_a_second_round_moments_after_the_first_is_refused(app):
    member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    start()
    with pytest.raises(InvalidInput, match="moments ago"):
        brew_rounds.start_round()
    db.session.rollback()
    assert count(BrewRound) == 1


def test_accepting_a_slot_counts_as_a_response(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    brew_round = start()
    group = only_group(brew_round)
    brew_meetings.accept_slot(group, row_of(group, ana), 0)
    db.session.commit()
    close(brew_round)
    assert (ana.missed_rounds, ben.missed_rounds) == (0, 1)
    assert group.closed_at is not None


# -- what stewards see ------------------------------------------------------------------------------------


def test_pool_counts_give_numbers_by_sector_place_and_round(app):
    armley = new_place("Armley")
    member("ana@example.org", HOUSING, mode=BrewMode.IN_PERSON, place=armley)
    member("ben@example.org", SOCIAL, travels=True)
    member("cat@example.org", HOUSING, mode=BrewMode.ONLINE)
    snoozed = member("sno@example.org", PRIMARY)
    brew.snooze(snoozed, brew.today() + timedelta(days=7))
    db.session.commit()
    brew_round = start()
    group = only_group(brew_round)
    for row in group.members:
        brew_meetings.answer_follow_up(group, row, MetAnswer.YES, now=brew_meetings.follow_up_due(group))
    db.session.commit()

    counts = brew_rounds.pool_counts()
    assert (counts.total, counts.resting) == (4, 1)
    by_sector = {each.sector: each for each in counts.by_sector}
    assert (by_sector[HOUSING].in_pool, by_sector[HOUSING].paired_lately) == (2, 1)
    assert not by_sector[HOUSING].rarely_matched
    assert by_sector[PRIMARY].rarely_matched  # in the pool, never paired
    assert not by_sector[BrewSector.OTHER].rarely_matched  # nobody to invite from there yet
    assert counts.by_place == [("Armley", 1), ("Happy to travel", 1), ("Online", 2)]  # the snoozed one too
    assert counts.ready == 3
    (round_count,) = counts.rounds
    assert (round_count.round, round_count.groups, round_count.met, round_count.answered) == (brew_round, 1, 1, 1)


def test_no_sector_is_rarely_matched_before_the_first_round(app):
    member("ana@example.org", HOUSING)
    counts = brew_rounds.pool_counts()
    assert not any(each.rarely_matched for each in counts.by_sector)
    assert {each.sector: each.in_pool for each in counts.by_sector}[HOUSING] == 1


# -- what is kept, and for how long -----------------------------------------------------------------


def test_purge_keeps_members_who_have_nothing_else_here(app):
    ana = member("ana@example.org", HOUSING)
    long_ago = utcnow() - timedelta(days=400)
    ana.person.created_at = long_ago
    db.session.commit()
    purge()
    db.session.commit()
    assert db.session.get(BrewMember, ana.id) is not None


def test_purge_forgets_old_meetings_outside_the_cooldown_and_keeps_the_counts(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    ana, ben = member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    long_ago = utcnow() - timedelta(days=200)
    old = start(long_ago)
    group = only_group(old)
    for row in group.members:
        brew_meetings.answer_follow_up(group, row, MetAnswer.YES, now=brew_meetings.follow_up_due(group))
    close(old)
    kept = start(long_ago + timedelta(days=50))  # past the purge's cutoff too, but the cooldown needs it
    close(kept)
    brew.ask_to_join(SignUp(sector=PRIMARY), "cat@example.org", "Cat")
    db.session.commit()

    app.config["BREW_COOLDOWN_ROUNDS"] = 1
    purged = purge(now=utcnow() + timedelta(days=2))  # past the pending sign-up's day
    db.session.commit()
    assert (purged.brew_meetings, purged.brew_sign_ups) == (1, 1)
    assert [group.round_id for group in db.session.scalars(select(BrewGroup))] == [kept.id]
    assert (old.met, old.answered) == (1, 1)
    (old_count,) = [each for each in brew_rounds.pool_counts().rounds if each.round.id == old.id]
    assert (old_count.met, old_count.answered) == (1, 1)
    assert db.session.get(BrewMember, ana.id) is not None
    assert db.session.get(BrewMember, ben.id) is not None
    assert purge(now=utcnow() + timedelta(days=2)).brew_meetings == 0  # a second run changes nothing


def test_purge_keeps_a_meeting_still_open_for_answers(app):
    app.config["BREW_COOLDOWN_ROUNDS"] = 0
    member("ana@example.org", HOUSING), member("ben@example.org", SOCIAL)
    start(utcnow() - timedelta(days=200))
    assert purge().brew_meetings == 0
    assert count(BrewGroup) == 1
