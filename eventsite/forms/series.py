"""Series: how a gathering repeats, answering for every session, and ending a series."""

from zoneinfo import ZoneInfo

from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from eventsite.errors import InvalidInput
from eventsite.forms.base import BaseForm, choices
from eventsite.i18n import lazy_gettext
from eventsite.recurrence import RepeatRule, Repeats, first_sessions, weeks_of_month


class EverySessionForm(BaseForm):
    """Going or maybe to every coming session, and to those added later."""

    answer = SelectField(
        lazy_gettext("Every session"),
        choices=lambda: choices(
            [("going", lazy_gettext("I'll come to every session")), ("maybe", lazy_gettext("Maybe, every session"))]
        ),
        validators=[InputRequired(lazy_gettext("Choose going or maybe."))],
    )


class EndSeriesForm(BaseForm):
    message = TextAreaField(
        lazy_gettext("Message to people"),
        validators=[Length(max=500)],
        description=lazy_gettext("Optional: a line on why, in the email and on each cancelled session's page."),
    )


REPEAT_CHOICES = [
    ("", lazy_gettext("Does not repeat")),
    (Repeats.WEEKLY.value, lazy_gettext("Every week")),
    (Repeats.FORTNIGHTLY.value, lazy_gettext("Every two weeks")),
    (Repeats.MONTHLY_ON_DATE.value, lazy_gettext("Every month, same date")),
    (Repeats.MONTHLY_ON_WEEKDAY.value, lazy_gettext("Every month, same weekday")),
]
# The rule's own names for its fields, and the form's.
RULE_FIELDS = {"until": "repeat_until", "count": "repeat_count", "week_of_month": "week_of_month"}


class RepeatFields:
    """Reading how a gathering repeats (eventsite.recurrence) from the event form's fields
    repeats, week_of_month, repeat_until, repeat_count and seen_dates, with its start and zone."""

    def repeat_rule(self) -> RepeatRule | None:
        if not self.repeats.data or self.repeats.data not in {kind.value for kind in Repeats}:
            return None
        first = self.starts_at.data.date() if self.starts_at.data else None
        weeks = weeks_of_month(first) if first else [1]
        week = -1 if self.week_of_month.data == "-1" else weeks[0]
        return RepeatRule(Repeats(self.repeats.data), self.repeat_until.data, self.repeat_count.data, week)

    def _repeat_problems(self) -> list[InvalidInput]:
        rule = self.repeat_rule()
        if rule is None or not self.starts_at.data or self.starts_at.errors:
            return []
        try:
            rule.check(self.starts_at.data.date())
        except InvalidInput as error:
            return [InvalidInput(RULE_FIELDS.get(error.field, "repeats"), error.message)]
        return []

    def dates_fingerprint(self, rule: RepeatRule) -> str:
        return f"{rule.to_rrule(self.starts_at.data.date())}@{self.starts_at.data:%Y-%m-%dT%H:%M}"

    def has_seen_dates(self, rule: RepeatRule) -> bool:
        return self.seen_dates.data == self.dates_fingerprint(rule)

    def preview(self, rule: RepeatRule) -> dict:
        """The first few sessions, for the person to see before anything is made."""
        zone = ZoneInfo(self.timezone.data)
        dates = [moment.astimezone(zone) for moment in first_sessions(rule, self.starts_at.data, zone)]
        self.seen_dates.data = self.dates_fingerprint(rule)
        return {"words": rule.describe(self.starts_at.data.date()), "dates": dates}
