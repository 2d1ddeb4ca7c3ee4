"""Flask-WTF forms: the format of each field, with a message written for people.

Rules that need the database or the clock (a start in the past, a DST gap)
live in the domain modules and come back as ``InvalidInput`` for a field.
"""

from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.events import EventDetails, resolve_times
from eventsite.listing import EventFilters
from eventsite.models import ACCESS_FEATURES, KIND_LABELS, Event, EventKind
from eventsite.text import has_control_chars, normalise_tag, parse_tags, split_tags
from eventsite.times import timezone_names

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
DATETIME_MESSAGE = "Enter a date and time, for example 2027-03-14 19:00."
ONLINE = "online"
KINDS_BY_VALUE = {kind.value: kind for kind in EventKind}


def _strip(value):
    """Trim text; a field missing from the request becomes empty text, never None."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Strips text and refuses control characters in every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if unbound_field.field_class in (StringField, EmailField, TextAreaField):
                options.setdefault("filters", []).append(_strip)
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            data = field.data if isinstance(field.data, str) else ""
            multiline = isinstance(field, TextAreaField)
            if data and has_control_chars(data, multiline=multiline):
                field.errors = [*field.errors, "This contains characters that cannot be used here."]
                valid = False
        return valid

    def add_error(self, error: InvalidInput) -> None:
        """Show a domain rule's message beside its field (or the form's first)."""
        field = getattr(self, error.field, None) or next(iter(self))
        field.errors = [*field.errors, error.message]


class ActionForm(BaseForm):
    """No fields: a CSRF token for one-button POST actions."""


LINK_MESSAGE = "Give a full web link starting with https:// (or http://)."


def web_link(form, field) -> None:
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValidationError(LINK_MESSAGE) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in field.data:
        raise ValidationError(LINK_MESSAGE)


def tag_list(form, field) -> None:
    typed = split_tags(field.data or "")
    if any(not normalise_tag(tag) for tag in typed):
        raise ValidationError("Tags may use letters, numbers and hyphens.")
    if len(parse_tags(field.data or "")) > 10:
        raise ValidationError("Use at most 10 tags.")


class LocalDateTimeField(DateTimeLocalField):
    """A date and time field whose message for unreadable input is ours."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATETIME_MESSAGE) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give a whole number, like 20, or leave it empty.") from None


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _kind_choices(empty_label: str) -> list[SelectChoice]:
    return choices([("", empty_label), *((kind.value, label) for kind, label in KIND_LABELS.items())])


def _place_choices(empty_label: str, places) -> list[SelectChoice]:
    return choices([("", empty_label), (ONLINE, "Online"), *((place.slug, place.name) for place in places)])


class EventForm(BaseForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give your gathering a title."), Length(max=120)],
    )
    kind = SelectField(
        "Kind",
        choices=lambda: _kind_choices("Choose a kind"),
        validators=[InputRequired("Choose what kind of gathering this is.")],
    )
    starts_at = LocalDateTimeField(
        "Starts",
        format=DATETIME_FORMATS,
        validators=[InputRequired(DATETIME_MESSAGE)],
        description="Local time, in the time zone below.",
    )
    ends_at = LocalDateTimeField(
        "Ends",
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description="Optional: two hours after the start if left empty.",
    )
    timezone = SelectField("Time zone", validators=[InputRequired()])
    place = SelectField("Place", validators=[InputRequired("Choose the locality, or “Online”.")])
    venue_name = StringField("Venue", validators=[Length(max=120)], description="A pub, café, community centre…")
    address = StringField("Address", validators=[Length(max=300)])
    online_url = StringField(
        "Online link",
        validators=[Length(max=500), web_link],
        description="For an online session (or a hybrid one).",
    )
    capacity = WholeNumberField(
        "Capacity",
        validators=[Optional(), NumberRange(1, 100_000, "Give a number from 1 to 100,000, or leave it empty.")],
        description="Optional: leave empty for no limit.",
    )
    min_going = WholeNumberField(
        "Goes ahead if at least … people are in",
        validators=[Optional(), NumberRange(1, 100_000, "Give a number from 1 to 100,000, or leave it empty.")],
        description="Optional.",
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=10_000)],
        description="Markdown works: **bold**, *italic*, [links](https://example.org), lists.",
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=300), tag_list],
        description="Themes, separated by commas: frailty, zero-suicide.",
    )
    access_features = SelectMultipleField(
        "Accessibility",
        choices=choices(ACCESS_FEATURES.items()),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    access_notes = StringField("Other access details", validators=[Length(max=500)])
    cost = StringField("Cost", default="Free", validators=[Length(max=80)])
    max_guests = WholeNumberField(
        "Guests each person may bring",
        default=0,
        validators=[Optional(), NumberRange(0, 20, "Give a number from 0 to 20.")],
        description="Guests count against the capacity.",
    )
    rsvp_closes_at = LocalDateTimeField(
        "Answers close",
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description="Optional: when people can no longer say they are coming. Leave empty to close at the start.",
    )
    address_for_attendees = BooleanField("Show the exact address only to people going")

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()
        self.place.choices = _place_choices("Choose a place", places)
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
            raise ValidationError("Choose a time zone from the list.")

    def validate(self, extra_validators=None) -> bool:
        """Also check the times against the rules now, so every message shows at once."""
        valid = super().validate(extra_validators)
        times = (self.starts_at, self.ends_at, self.timezone)
        if self.starts_at.data and not any(field.errors for field in times):
            try:
                resolve_times(self.starts_at.data, self.ends_at.data, self.timezone.data, utcnow())
            except InvalidInput as error:
                self.add_error(error)
                valid = False
        return valid


class ProposeForm(EventForm):
    """Proposing asks a person who is not signed in for a name and an email."""

    name = StringField("Your name", validators=[Length(max=100)])
    email = EmailField(
        "Your email",
        validators=[Optional(), Length(max=254), Email("Enter an email address like name@example.org.")],
        description="We email you a link to confirm. It is never shown to anyone.",
    )


class RsvpForm(BaseForm):
    """Going, maybe or can't go: one button each. A person not signed in also gives name and email."""

    answer = SelectField(
        "Your answer",
        choices=lambda: choices([("going", "I'm going"), ("maybe", "Maybe"), ("not-going", "Can't go")]),
        validators=[InputRequired("Choose going, maybe or can't go.")],
    )
    guests = WholeNumberField("Guests you are bringing", default=0, validators=[Optional(), NumberRange(0, 20)])
    show_name = BooleanField("Show my name to others on the event page")
    name = StringField("Your name", validators=[Length(max=100)])
    email = EmailField(
        "Your email",
        validators=[Optional(), Length(max=254), Email("Enter an email address like name@example.org.")],
        description="We email you your answer, the calendar entry and a link to change it. Never shown to anyone.",
    )


class MessageForm(BaseForm):
    audience = SelectField(
        "To",
        choices=lambda: choices(
            [
                ("going", "Everyone going"),
                ("waitlist", "The waitlist"),
                ("maybe", "Everyone who said maybe"),
                ("everyone", "Everyone going, maybe or waiting"),
            ]
        ),
    )
    subject = StringField("Subject", validators=[DataRequired("Give your message a subject."), Length(max=120)])
    body = TextAreaField("Message", validators=[DataRequired("Write your message."), Length(max=5000)])


class DeleteAccountForm(BaseForm):
    confirm = BooleanField(
        "Yes, delete my account and my answers", validators=[DataRequired("Tick the box to confirm.")]
    )


class EmailForm(BaseForm):
    email = EmailField(
        "Email",
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254),
            Email("Enter an email address like name@example.org."),
        ],
    )


class CohostForm(EmailForm):
    name = StringField("Their name", validators=[Length(max=100)])


class CancelForm(BaseForm):
    message = TextAreaField(
        "Message to people",
        validators=[Length(max=500)],
        description="Optional: a line on why, shown on the event page.",
    )


class ReportForm(BaseForm):
    reason = TextAreaField(
        "What is wrong?",
        validators=[DataRequired("Say briefly what is wrong, so a steward can look."), Length(max=1000)],
    )


class PlaceForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Give the place a name."), Length(max=80)])


def plausible_date(form, field) -> None:
    if field.data and not date(2000, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError("Choose a date between the years 2000 and 2999.")


class FilterForm(BaseForm):
    """The list's filters: a GET form, so no CSRF token; bad values are reported, not fatal."""

    class Meta:
        csrf = False

    kind = SelectField("Kind", choices=lambda: _kind_choices("Any kind"), validators=[Optional()])
    place = SelectField("Place", validators=[Optional()])
    tag = StringField("Tag", validators=[Optional(), Length(max=40)])
    date_from = DateField("From", validators=[Optional(), plausible_date])
    date_to = DateField("To", validators=[Optional(), plausible_date])

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = _place_choices("Anywhere", places)

    def to_filters(self) -> EventFilters:
        """The filters whose values are valid; each invalid one shows its message instead."""
        self.validate()
        value = {field.name: None if field.errors else field.data for field in self}
        place = (value["place"] or "").strip()
        return EventFilters(
            kind=KINDS_BY_VALUE.get(value["kind"]),
            place="" if place == ONLINE else place,
            online=place == ONLINE,
            tag=normalise_tag(value["tag"] or ""),
            date_from=value["date_from"],
            date_to=value["date_to"],
        )

    def feed_args(self) -> dict[str, str]:
        """The feed's query for the filters that apply: an invalid one is explained, not kept."""
        filters = self.to_filters()
        args = {
            "kind": filters.kind.value if filters.kind else "",
            "place": ONLINE if filters.online else filters.place,
            "tag": filters.tag,
        }
        return {name: value for name, value in args.items() if value}

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("“To” must not be before “From”.")
