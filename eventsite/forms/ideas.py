"""Posting an idea, supporting one ("I'd come", "I could host"), and the board's filters."""

from flask_babel import gettext
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from eventsite.events import proposer_problems
from eventsite.forms.base import (
    KINDS_BY_VALUE,
    ONLINE,
    BaseForm,
    choices,
    kind_choices,
    place_choices,
    tag_list,
)
from eventsite.i18n import lazy_gettext
from eventsite.ideas import TITLE_MAX, TITLE_TOO_LONG, IdeaDetails
from eventsite.listing import EventFilters
from eventsite.models import EventKind, Person
from eventsite.text import normalise_tag, parse_tags

EMAIL_MESSAGE = lazy_gettext("Enter an email address like name@example.org.")


class IdeaForm(BaseForm):
    """A title, a few lines, a kind; a place and tags if they help. No date needed."""

    title = StringField(
        lazy_gettext("Title"),
        validators=[
            DataRequired(lazy_gettext("Give your idea a title.")),
            Length(max=TITLE_MAX, message=TITLE_TOO_LONG),
        ],
    )
    description = TextAreaField(
        lazy_gettext("What would it be?"),
        validators=[Length(max=5000, message=lazy_gettext("Keep it to 5,000 characters or fewer."))],
        description=lazy_gettext(
            "A few lines. Markdown works: **bold**, *italic*, [links](https://example.org), lists."
        ),
    )
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=lambda: kind_choices(gettext("Choose a kind")),
        validators=[InputRequired(lazy_gettext("Choose what kind of gathering it would be."))],
    )
    place = SelectField(
        lazy_gettext("Place"),
        validators=[Optional()],
        description=lazy_gettext("Optional: where it could happen, or online."),
    )
    tags = StringField(
        lazy_gettext("Tags"),
        validators=[Length(max=300), tag_list],
        description=lazy_gettext("Optional themes, separated by commas: frailty, zero-suicide."),
    )
    name = StringField(lazy_gettext("Your name"), validators=[Length(max=100)])
    email = EmailField(
        lazy_gettext("Your email"),
        validators=[Optional(), Length(max=254), Email(EMAIL_MESSAGE)],
        description=lazy_gettext("We email you a link to confirm. It is never shown to anyone."),
    )

    def __init__(self, *args, places=(), author: Person | None = None, **kwargs):
        """``author``: the signed-in person, or None for someone who gives an email."""
        super().__init__(*args, **kwargs)
        self.places_by_slug = {place.slug: place for place in places}
        self.place.choices = place_choices(gettext("Anywhere (no place yet)"), places)
        self.author = author

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.place.data and self.place.data != ONLINE and self.place.data not in self.places_by_slug:
            self.place.errors = [*self.place.errors, gettext("Choose a place from the list.")]
            valid = False
        return self.add_problems(proposer_problems(self.author, self.email.data, self.name.data)) and valid

    def details(self) -> IdeaDetails:
        return IdeaDetails(
            title=self.title.data,
            kind=EventKind(self.kind.data),
            description=self.description.data,
            place=self.places_by_slug.get(self.place.data),
            is_online=self.place.data == ONLINE,
            tags=parse_tags(self.tags.data),
        )


class SupportForm(BaseForm):
    """One button each: "I'd come" and "I could host". Someone not signed in gives name and email."""

    support = SelectField(
        lazy_gettext("Your support"),
        choices=lambda: choices([("come", gettext("I'd come")), ("host", gettext("I could host"))]),
        validators=[InputRequired(lazy_gettext("Choose “I'd come” or “I could host”."))],
    )
    show_name = BooleanField(lazy_gettext("Show my name beside “could host”"))
    name = StringField(lazy_gettext("Your name"), validators=[Length(max=100)])
    email = EmailField(
        lazy_gettext("Your email"),
        validators=[Optional(), Length(max=254), Email(EMAIL_MESSAGE)],
        description=lazy_gettext("We email you a link: your support counts once you open it. Never shown to anyone."),
    )


class IdeaReportForm(BaseForm):
    reason = TextAreaField(
        lazy_gettext("What is wrong?"),
        validators=[DataRequired(lazy_gettext("Say briefly what is wrong, so a steward can look.")), Length(max=1000)],
    )


class IdeaFilterForm(BaseForm):
    """The board's filters (kind, place, tag, as the gatherings list): a GET form, no CSRF."""

    class Meta:
        csrf = False

    kind = SelectField(lazy_gettext("Kind"), choices=lambda: kind_choices(gettext("Any kind")), validators=[Optional()])
    place = SelectField(lazy_gettext("Place"), validators=[Optional()])
    tag = StringField(lazy_gettext("Tag"), validators=[Optional(), Length(max=40)])

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = place_choices(gettext("Anywhere"), places)

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
        )
