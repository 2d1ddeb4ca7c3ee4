"""Proposing, editing, cancelling and reporting a gathering."""

from flask import current_app
from flask_babel import gettext
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.events import EventDetails, proposer_problems, resolve_rsvp_close, resolve_times, where_problems
from eventsite.forms.base import (
    DATETIME_FORMATS,
    DATETIME_MESSAGE,
    ONLINE,
    BaseForm,
    LocalDateTimeField,
    WholeNumberField,
    choices,
    kind_choices,
    place_choices,
    tag_list,
    web_link,
)
from eventsite.forms.series import REPEAT_CHOICES, RepeatFields
from eventsite.i18n import lazy_gettext
from eventsite.models import ACCESS_FEATURES, Event, EventKind, Person
from eventsite.recurrence import MAX_SESSIONS
from eventsite.text import parse_tags
from eventsite.times import timezone_choices, timezone_names

# WTForms' NumberRange fills in its bounds.
NUMBER_FROM_TO = lazy_gettext("Give a number from %(min)s to %(max)s.")
ZONE_MESSAGE = lazy_gettext("Choose a time zone from the list.")


class EventForm(RepeatFields, BaseForm):
    title = StringField(
        lazy_gettext("Title"),
        validators=[DataRequired(lazy_gettext("Give your gathering a title.")), Length(max=120)],
    )
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=lambda: kind_choices(gettext("Choose a kind")),
        validators=[InputRequired(lazy_gettext("Choose what kind of gathering this is."))],
    )
    starts_at = LocalDateTimeField(
        lazy_gettext("Starts"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(DATETIME_MESSAGE)],
        description=lazy_gettext("Local time, in the time zone below."),
    )
    ends_at = LocalDateTimeField(
        lazy_gettext("Ends"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=lazy_gettext("Optional: two hours after the start if left empty."),
    )
    timezone = SelectField(
        lazy_gettext("Time zone"),
        validators=[InputRequired(ZONE_MESSAGE)],
        render_kw={"translate": "no"},  # the zones' own names (their cities), not words to translate
    )
    repeats = SelectField(
        lazy_gettext("Repeats"),
        choices=lambda: choices(REPEAT_CHOICES),
        validators=[Optional()],
        description=lazy_gettext(
            "Each session is its own gathering, at the same local time. In a month without that date "
            "(the 31st in April, say), the session is on the month's last day."
        ),
    )
    week_of_month = SelectField(
        lazy_gettext("Which weekday of the month"),
        choices=lambda: choices([("", gettext("As the first session’s")), ("-1", gettext("The last one"))]),
        validators=[Optional()],
        description=lazy_gettext(
            "For “every month, same weekday”: the second Thursday, say, as the first session, or the last."
        ),
    )
    repeat_until = DateField(
        lazy_gettext("Last date"),
        validators=[Optional()],
        description=lazy_gettext("Optional: no sessions after this date."),
    )
    repeat_count = WholeNumberField(
        lazy_gettext("Or a number of sessions"),
        validators=[Optional(), NumberRange(1, MAX_SESSIONS, NUMBER_FROM_TO)],
        description=lazy_gettext(
            "Optional. With neither, it runs on, and we ask its hosts every few months if it still happens."
        ),
    )
    seen_dates = HiddenField()  # the rule whose first dates were shown (eventsite.forms.series)
    apply_to = SelectField(
        lazy_gettext("Change"),
        choices=lambda: choices(
            [("this", gettext("This session only")), ("later", gettext("This session and all later ones"))]
        ),
        default="this",
        description=lazy_gettext("For a session of a series: the title, time, place, capacity and description."),
    )
    place = SelectField(
        lazy_gettext("Place"), validators=[InputRequired(lazy_gettext("Choose the locality, or “Online”."))]
    )
    venue_name = StringField(
        lazy_gettext("Venue"), validators=[Length(max=120)], description=lazy_gettext("A pub, café, community centre…")
    )
    address = StringField(lazy_gettext("Address"), validators=[Length(max=300)])
    online_url = StringField(
        lazy_gettext("Online link"),
        validators=[Length(max=500), web_link],
        description=lazy_gettext("For an online session (or a hybrid one)."),
    )
    capacity = WholeNumberField(
        lazy_gettext("Capacity"),
        validators=[
            Optional(),
            NumberRange(1, 100_000, lazy_gettext("Give a number from 1 to 100,000, or leave it empty.")),
        ],
        description=lazy_gettext("Optional: leave empty for no limit."),
    )
    min_going = WholeNumberField(
        lazy_gettext("Goes ahead if at least … people are in"),
        validators=[
            Optional(),
            NumberRange(1, 100_000, lazy_gettext("Give a number from 1 to 100,000, or leave it empty.")),
        ],
        description=lazy_gettext("Optional."),
    )
    description = TextAreaField(
        lazy_gettext("Description"),
        validators=[Length(max=10_000)],
        description=lazy_gettext("Markdown works: **bold**, *italic*, [links](https://example.org), lists."),
    )
    tags = StringField(
        lazy_gettext("Tags"),
        validators=[Length(max=300), tag_list],
        description=lazy_gettext("Themes, separated by commas: frailty, zero-suicide."),
    )
    access_features = SelectMultipleField(
        lazy_gettext("Accessibility"),
        choices=choices(ACCESS_FEATURES.items()),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    access_notes = StringField(lazy_gettext("Other access details"), validators=[Length(max=500)])
    cost = StringField(lazy_gettext("Cost"), default=lambda: gettext("Free"), validators=[Length(max=80)])
    max_guests = WholeNumberField(
        lazy_gettext("Guests each person may bring"),
        default=0,
        validators=[Optional(), NumberRange(0, 20, NUMBER_FROM_TO)],
        description=lazy_gettext("Guests count against the capacity."),
    )
    rsvp_closes_at = LocalDateTimeField(
        lazy_gettext("Answers close"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=lazy_gettext(
            "Optional: when people can no longer say they are coming. Leave empty to close at the start."
        ),
    )
    address_for_attendees = BooleanField(lazy_gettext("Show the exact address only to people going"))

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places_by_slug = {place.slug: place for place in places}
        self.timezone.choices = timezone_choices(current_app.config["TIMEZONE"], self.timezone.data)
        self.place.choices = place_choices(gettext("Choose a place"), places)
        if not self.timezone.data:
            self.timezone.data = current_app.config["TIMEZONE"]

    def details(self, places) -> EventDetails:
        """What was typed, as the domain's EventDetails."""
        by_slug = {place.slug: place for place in places}
        return EventDetails(
            title=self.title.data,
            kind=EventKind(self.kind.data),
            starts_local=self.starts_at.data,
            ends_local=self.ends_at.data,
            timezone=self.timezone.data,
            is_online=self.place.data == ONLINE,
            place=by_slug.get(self.place.data),
            venue_name=self.venue_name.data,
            address=self.address.data,
            online_url=self.online_url.data,
            capacity=self.capacity.data,
            min_going=self.min_going.data,
            description=self.description.data,
            tags=parse_tags(self.tags.data),
            access_features=self.access_features.data,
            access_notes=self.access_notes.data,
            cost=self.cost.data,
            max_guests=self.max_guests.data or 0,
            rsvp_closes_local=self.rsvp_closes_at.data,
            address_for_attendees=self.address_for_attendees.data,
        )

    @staticmethod
    def data_for(event: Event) -> dict:
        """An event as the form shows it: local times, the place's slug, tags as text."""
        return {
            "title": event.title,
            "kind": event.kind.value,
            "starts_at": event.local_start.replace(tzinfo=None),
            "ends_at": event.local_end.replace(tzinfo=None),
            "timezone": event.timezone,
            "place": ONLINE if event.is_online else (event.place.slug if event.place else ""),
            "venue_name": event.venue_name,
            "address": event.address,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "min_going": event.min_going,
            "description": event.description,
            "tags": ", ".join(tag.name for tag in event.tags),
            "access_features": event.access_features,
            "access_notes": event.access_notes,
            "cost": event.cost,
            "max_guests": event.max_guests,
            "rsvp_closes_at": event.rsvp_closes_at.astimezone(event.zone).replace(tzinfo=None)
            if event.rsvp_closes_at
            else None,
            "address_for_attendees": event.address_for_attendees,
        }

    def validate_timezone(self, field) -> None:
        if field.data not in timezone_names():
            raise ValidationError(str(ZONE_MESSAGE))

    def validate(self, extra_validators=None) -> bool:
        """Also check the domain's rules (times, where, when answers close) now, so every
        message shows at once; the domain checks them again when saving."""
        valid = super().validate(extra_validators)
        problems = [*self._time_problems(), *self._where_problems(), *self._repeat_problems()]
        return self.add_problems(problems) and valid

    def _time_problems(self) -> list[InvalidInput]:
        if not self.starts_at.data or any(field.errors for field in (self.starts_at, self.ends_at, self.timezone)):
            return []
        try:
            starts_at, _ = resolve_times(self.starts_at.data, self.ends_at.data, self.timezone.data, utcnow())
            if not self.rsvp_closes_at.errors:
                resolve_rsvp_close(self.rsvp_closes_at.data, self.timezone.data, starts_at)
        except InvalidInput as error:
            return [error]
        return []

    def _where_problems(self) -> list[InvalidInput]:
        place = self.places_by_slug.get(self.place.data)
        where = (self.place.data == ONLINE, place, self.venue_name.data, self.online_url.data)
        return where_problems(*where, self.capacity.data, self.min_going.data)


class ProposeForm(EventForm):
    """Proposing asks a person who is not signed in for a name and an email."""

    name = StringField(lazy_gettext("Your name"), validators=[Length(max=100)])
    email = EmailField(
        lazy_gettext("Your email"),
        validators=[Optional(), Length(max=254), Email(lazy_gettext("Enter an email address like name@example.org."))],
        description=lazy_gettext("We email you a link to confirm. It is never shown to anyone."),
    )

    def __init__(self, *args, proposer: Person | None = None, **kwargs):
        """``proposer``: the signed-in person, or None for someone who gives an email."""
        super().__init__(*args, **kwargs)
        self.proposer = proposer

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.add_problems(proposer_problems(self.proposer, self.email.data, self.name.data)) and valid


class CancelForm(BaseForm):
    message = TextAreaField(
        lazy_gettext("Message to people"),
        validators=[Length(max=500)],
        description=lazy_gettext("Optional: a line on why, shown on the event page."),
    )


class ReportForm(BaseForm):
    reason = TextAreaField(
        lazy_gettext("What is wrong?"),
        validators=[DataRequired(lazy_gettext("Say briefly what is wrong, so a steward can look.")), Length(max=1000)],
    )
