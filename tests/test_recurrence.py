"""Series rules: each shape, month ends, daylight saving in two zones, ends and caps,
and the stored RRULE read back. No app, no database."""

from datetime import UTC, date, datetime
from itertools import takewhile
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import assume, given
from hypothesis import strategies as st

from eventsite.errors import InvalidInput
from eventsite.recurrence import (
    MAX_SESSIONS,
    RepeatRule,
    Repeats,
    first_sessions,
    session_start,
    weeks_of_month,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


def test_weekly_keeps_the_weekday_and_the_local_time_across_the_clocks_going_back():
    first = datetime(2027, 10, 21, 19, 0)  # a Thursday, a week before British Summer Time ends
    sessions = RepeatRule(Repeats.WEEKLY, count=3).sessions(first, LONDON, date(2028, 1, 1))

    assert [local(s, LONDON) for s in sessions] == [
        "Thu 2027-10-21 19:00",
        "Thu 2027-10-28 19:00",
        "Thu 2027-11-04 19:00",
    ]
    # 19:00 in summer is 18:00 UTC; in winter it is 19:00 UTC.
    assert [s.astimezone(UTC).hour for s in sessions] == [18, 18, 19]


def test_fortnightly_across_the_clocks_going_forward_in_new_york():
    first = datetime(2027, 3, 2, 18, 30)
    sessions = RepeatRule(Repeats.FORTNIGHTLY, until=date(2027, 3, 31)).sessions(first, NEW_YORK, date(2027, 12, 31))

    assert [local(s, NEW_YORK) for s in sessions] == [
        "Tue 2027-03-02 18:30",
        "Tue 2027-03-16 18:30",
        "Tue 2027-03-30 18:30",
    ]
    assert [s.astimezone(UTC).hour for s in sessions] == [23, 22, 22]  # EST, then EDT


def test_monthly_on_a_late_date_falls_on_the_last_day_of_shorter_months():
    rule = RepeatRule(Repeats.MONTHLY_ON_DATE, count=5)

    assert rule.dates(date(2027, 1, 31), date(2028, 1, 1)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    assert rule.dates(date(2027, 12, 30), date(2028, 3, 31))[:3] == [
        date(2027, 12, 30),
        date(2028, 1, 30),
        date(2028, 2, 29),  # a leap year
    ]


def test_monthly_on_the_14th_is_the_14th_every_month():
    dates = RepeatRule(Repeats.MONTHLY_ON_DATE, count=12).dates(date(2027, 1, 14), date(2028, 12, 31))
    assert {day.day for day in dates} == {14}
    assert len(dates) == 12


@pytest.mark.parametrize(
    ("first", "week", "expected"),
    [
        (date(2027, 1, 7), 1, [date(2027, 1, 7), date(2027, 2, 4), date(2027, 3, 4)]),  # first Thursday
        (date(2027, 1, 21), 3, [date(2027, 1, 21), date(2027, 2, 18), date(2027, 3, 18)]),  # third Thursday
        (date(2027, 1, 29), -1, [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26)]),  # last Friday
    ],
)
def test_monthly_on_a_weekday(first, week, expected):
    rule = RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, count=3, week_of_month=week)
    rule.check(first)
    assert rule.dates(first, date(2028, 1, 1)) == expected


def test_which_weekday_of_the_month_a_date_is():
    assert weeks_of_month(date(2027, 1, 14)) == [2]
    assert weeks_of_month(date(2027, 2, 25)) == [4, -1]  # the fourth Thursday is also the last
    assert weeks_of_month(date(2027, 1, 29)) == [-1]  # the fifth Friday: only "the last"


def test_a_weekday_rule_must_match_the_first_session():
    with pytest.raises(InvalidInput, match="second Thursday") as error:
        RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, count=3, week_of_month=1).check(date(2027, 1, 14))
    assert error.value.field == "week_of_month"


def test_a_series_with_no_end_runs_to_the_horizon_only():
    rule = RepeatRule(Repeats.WEEKLY)
    first = date(2027, 1, 4)
    assert len(rule.dates(first, date(2027, 5, 3))) == 18
    assert rule.dates(first, date(2027, 5, 3)) == rule.dates(first, date(2027, 5, 3))  # the same, asked again


def test_until_is_the_last_date_a_session_may_have():
    rule = RepeatRule(Repeats.WEEKLY, until=date(2027, 1, 18))
    assert rule.dates(date(2027, 1, 4), date(2027, 12, 31)) == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (RepeatRule(Repeats.WEEKLY, until=date(2026, 12, 31)), "until", "cannot end before"),
        (RepeatRule(Repeats.WEEKLY, count=1000), "count", f"from 1 to {MAX_SESSIONS} sessions"),
        (RepeatRule(Repeats.WEEKLY, count=0), "count", f"from 1 to {MAX_SESSIONS} sessions"),
        (RepeatRule(Repeats.WEEKLY, until=date(2047, 1, 1)), "until", f"more than {MAX_SESSIONS} sessions"),
        (RepeatRule(Repeats.WEEKLY, until=date(2027, 3, 1), count=3), "until", "not both"),
        (RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, count=3, week_of_month=5), "week_of_month", "first Monday"),
    ],
)
def test_rules_that_cannot_be_kept_are_refused_by_their_field(rule, field, message):
    with pytest.raises(InvalidInput, match=message) as error:
        rule.check(date(2027, 1, 4))
    assert error.value.field == field


def test_a_time_the_clocks_skip_becomes_an_hour_later():
    skipped = session_start(date(2027, 3, 28), datetime(2027, 1, 1, 1, 30).time(), LONDON)
    assert local(skipped, LONDON) == "Sun 2027-03-28 02:30"


def test_a_time_that_happens_twice_is_its_first_occurrence():
    twice = session_start(date(2027, 10, 31), datetime(2027, 1, 1, 1, 30).time(), LONDON)
    assert twice == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "first", "words"),
    [
        (RepeatRule(Repeats.WEEKLY, count=10), date(2027, 1, 7), "Every week on Thursday, 10 sessions"),
        (RepeatRule(Repeats.FORTNIGHTLY), date(2027, 1, 7), "Every two weeks on Thursday"),
        (
            RepeatRule(Repeats.MONTHLY_ON_DATE, until=date(2027, 6, 30)),
            date(2027, 1, 22),
            "Every month on the 22nd, until 30 June 2027",
        ),
        (
            RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, week_of_month=-1, count=1),
            date(2027, 1, 29),
            "Every month on the last Friday, 1 session",
        ),
        (RepeatRule(Repeats.MONTHLY_ON_DATE), date(2027, 1, 11), "Every month on the 11th"),
    ],
)
def test_a_rule_in_words(rule, first, words):
    assert rule.describe(first) == words


def test_the_preview_shows_the_first_five_sessions():
    preview = first_sessions(RepeatRule(Repeats.MONTHLY_ON_DATE), datetime(2027, 1, 31, 10, 30), LONDON)
    assert [local(s, LONDON) for s in preview] == [
        "Sun 2027-01-31 10:30",
        "Sun 2027-02-28 10:30",
        "Wed 2027-03-31 10:30",
        "Fri 2027-04-30 10:30",
        "Mon 2027-05-31 10:30",
    ]


rules = st.builds(
    RepeatRule,
    repeats=st.sampled_from(list(Repeats)),
    until=st.none() | st.dates(date(2027, 1, 1), date(2030, 12, 31)),
    count=st.none() | st.integers(1, MAX_SESSIONS),  # never both: check() refuses that
    week_of_month=st.sampled_from([1, 2, 3, 4, -1]),
)


@given(rule=rules, first=st.dates(date(2027, 1, 1), date(2029, 12, 31)))
def test_the_stored_rrule_reads_back_and_standard_parsers_agree(rule, first):
    if rule.repeats is Repeats.MONTHLY_ON_WEEKDAY:
        rule = RepeatRule(rule.repeats, rule.until, rule.count, weeks_of_month(first)[0])
    try:
        rule.check(first)
    except InvalidInput:
        assume(False)  # refused rules are tested above
    stored = rule.to_rrule(first)
    again = RepeatRule.from_rrule(stored)
    assert again.to_rrule(first) == stored
    assert again.describe(first) == rule.describe(first)
    # dateutil reads the stored text as iCalendar, and its dates are ours.
    start = datetime.combine(first, datetime.min.time())
    through = date(2031, 12, 31)
    theirs = [moment.date() for moment in takewhile(lambda m: m.date() <= through, rrulestr(stored, dtstart=start))]
    assert rule.dates(first, through) == theirs
    if theirs:
        assert theirs[0] == first  # the first session is always the one the host chose
