"""VTIMEZONE components built from zoneinfo, written as calendar apps read them.

Written as a yearly STANDARD and DAYLIGHT rule (as Google exports zones) where
one rule reproduces every transition in the years needed, else as one part per
transition with its own DTSTART. Never the long RDATE lists icalendar's own
``Timezone.from_tzid()`` writes: Thunderbird's ical.js reads only their first
date and shows every summer event an hour late.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

# Yearly VTIMEZONE rules start in 1970, as Google's exports do.
RULE_EPOCH = 1970
# Zones that are plain UTC: their times are written with a Z, never as TZID=UTC.
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "Etc/GMT0",
                       "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "GMT", "UCT", "Universal", "Zulu"})  # fmt: skip
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE that gives zoneinfo's offsets for every moment of the years given.

    Written as a yearly STANDARD and DAYLIGHT rule where one rule reproduces
    every transition in the range (how Google exports zones), else as one part
    per transition, each with its own DTSTART: never an RDATE list.
    """
    if first_year > last_year:
        raise ValueError("first_year is after last_year")
    timezone = Timezone()
    timezone.add("tzid", zone_name)
    for observance in _observances(zone_name, first_year, last_year):
        timezone.add_component(_observance_component(observance))
    return timezone


class _State(NamedTuple):
    offset: timedelta
    dst: timedelta
    name: str


@dataclass(frozen=True)
class _Transition:
    at: datetime  # the UTC instant
    before: _State
    after: _State

    @property
    def onset(self) -> datetime:
        """Local wall time in the old offset: what a VTIMEZONE's DTSTART holds (RFC 5545)."""
        return (self.at + self.before.offset).replace(tzinfo=None)


@dataclass(frozen=True)
class _YearlyRule:
    month: int
    weekday: int  # Monday is 0
    nth: int  # 1 to 5, or -1 for the last one in the month

    def day_in(self, year: int) -> date | None:
        """This rule's day in ``year``; None if there is no 5th such weekday that month."""
        days_in_month = monthrange(year, self.month)[1]
        if self.nth < 0:
            day = days_in_month - (date(year, self.month, days_in_month).weekday() - self.weekday) % 7
        else:
            day = 1 + (self.weekday - date(year, self.month, 1).weekday()) % 7 + 7 * (self.nth - 1)
        return date(year, self.month, day) if day <= days_in_month else None

    def to_recur(self) -> vRecur:
        return vRecur({"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{self.nth}{_WEEKDAYS[self.weekday]}"})


@dataclass(frozen=True)
class _Observance:
    """One STANDARD or DAYLIGHT part of a VTIMEZONE."""

    daylight: bool
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    rule: _YearlyRule | None = None


@lru_cache(maxsize=256)
def _observances(zone_name: str, first_year: int, last_year: int) -> tuple[_Observance, ...]:
    """Cached as plain data: a feed is built often and zone data does not change while running."""
    zone = ZoneInfo(zone_name)
    transitions = _transitions(zone, first_year, last_year)
    if not transitions:
        state = _state_at(zone, datetime(first_year, 1, 1, tzinfo=UTC))
        return (_Observance(False, datetime(RULE_EPOCH, 1, 1), state.offset, state.offset, state.name),)
    return _yearly_rules(transitions, first_year, last_year) or _one_per_transition(transitions)


def _state_at(zone: ZoneInfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    return _State(local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or "")


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """zoneinfo's changes of offset or name whose local onset falls in the years given.

    zoneinfo has no public list of transitions, so the range is walked a day at
    a time and each change found is narrowed down to the second.
    """
    found: list[_Transition] = []
    instant, end = datetime(first_year - 1, 12, 30, tzinfo=UTC), datetime(last_year + 1, 1, 3, tzinfo=UTC)
    while instant < end:
        later = instant + timedelta(days=1)
        if _state_at(zone, later) == _state_at(zone, instant):
            instant = later
            continue
        transition = _narrow(zone, instant, later)
        found.append(transition)
        instant = transition.at
    return [transition for transition in found if first_year <= transition.onset.year <= last_year]


def _narrow(zone: ZoneInfo, before: datetime, after: datetime) -> _Transition:
    """Bisect to the first second of the new state."""
    low, high = int(before.timestamp()), int(after.timestamp())
    old = _state_at(zone, before)
    while high - low > 1:
        middle = (low + high) // 2
        if _state_at(zone, datetime.fromtimestamp(middle, UTC)) == old:
            low = middle
        else:
            high = middle
    at = datetime.fromtimestamp(high, UTC)
    return _Transition(at, old, _state_at(zone, at))


def _yearly_rules(transitions: list[_Transition], first_year: int, last_year: int) -> tuple[_Observance, ...] | None:
    """A DAYLIGHT and a STANDARD yearly rule, if they give exactly zoneinfo's transitions."""
    forward = [t for t in transitions if _goes_forward(t)]
    back = [t for t in transitions if _goes_back(t)]
    if not forward or not back or len(forward) + len(back) != len(transitions):
        return None
    daylight, standard = _rule_observance(forward, daylight=True), _rule_observance(back, daylight=False)
    if daylight is None or standard is None:
        return None
    expected = [(t.at, t.after.offset, t.after.name) for t in transitions]
    if _expand((daylight, standard), first_year, last_year) != expected:
        return None
    return daylight, standard


def _rule_observance(group: list[_Transition], daylight: bool) -> _Observance | None:
    """One yearly rule for transitions that share offsets, name, month, weekday and wall time."""
    shapes = {(t.before.offset, t.after.offset, t.after.name, t.onset.time()) for t in group}
    rules = set.intersection(*(_rules_matching(t.onset.date()) for t in group))
    if len(shapes) != 1 or not rules:
        return None
    rule = min(rules, key=lambda r: (r.nth, r.month, r.weekday))  # "last" sorts first: the usual rule
    first_day = rule.day_in(RULE_EPOCH)
    if first_day is None:
        return None
    offset_from, offset_to, name, wall = shapes.pop()
    return _Observance(daylight, datetime.combine(first_day, wall), offset_from, offset_to, name, rule)


def _rules_matching(day: date) -> set[_YearlyRule]:
    """The yearly rules that fall on ``day``: its nth weekday of the month, and "last" if it is."""
    rules = {_YearlyRule(day.month, day.weekday(), (day.day - 1) // 7 + 1)}
    if day.day + 7 > monthrange(day.year, day.month)[1]:
        rules.add(_YearlyRule(day.month, day.weekday(), -1))
    return rules


def _expand(observances: tuple[_Observance, ...], first_year: int, last_year: int) -> list | None:
    """The transitions the yearly rules give, as (UTC instant, new offset, new name)."""
    expanded = []
    for year in range(first_year, last_year + 1):
        for observance in observances:
            day = observance.rule.day_in(year) if observance.rule else None
            if day is None:
                return None
            onset = datetime.combine(day, observance.onset.time(), UTC)
            expanded.append((onset - observance.offset_from, observance.offset_to, observance.name))
    return sorted(expanded)


def _one_per_transition(transitions: list[_Transition]) -> tuple[_Observance, ...]:
    """For zones whose rules changed: the state before the range, then each transition.

    A part that moves the clocks forward is DAYLIGHT, one that moves them back
    is STANDARD, whatever tzdata calls them (Morocco has negative DST), and the
    first part comes "from" the offset the first transition goes to (its
    TZOFFSETFROM only places its 1970 DTSTART). dateutil (and so vobject)
    takes the standard offset to be TZOFFSETTO minus the DST amount and finds
    the repeated hour only while that stays the same: these labels keep it so
    for seasons that go back and forth and for a zone's one-off change.
    """
    first = transitions[0]
    before = _Observance(_goes_back(first), datetime(RULE_EPOCH, 1, 1), first.after.offset, first.before.offset,
                         first.before.name)  # fmt: skip
    return (before, *(_Observance(_goes_forward(t), t.onset, t.before.offset, t.after.offset, t.after.name)
                      for t in transitions))  # fmt: skip


def _goes_back(transition: _Transition) -> bool:
    return transition.after.offset < transition.before.offset


def _goes_forward(transition: _Transition) -> bool:
    return transition.after.offset > transition.before.offset


def _observance_component(observance: _Observance) -> TimezoneStandard | TimezoneDaylight:
    component = TimezoneDaylight() if observance.daylight else TimezoneStandard()
    component.add("dtstart", observance.onset)
    if observance.rule:
        component.add("rrule", observance.rule.to_recur())
    component.add("tzoffsetfrom", observance.offset_from)
    component.add("tzoffsetto", observance.offset_to)
    component.add("tzname", observance.name)
    return component
