"""Answering (going, maybe, can't go) and hosts' messages to the people coming."""

from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from eventsite.forms.base import (
    BaseForm,
    WholeNumberField,
    choices,
)
from eventsite.i18n import lazy_gettext


class RsvpForm(BaseForm):
    """Going, maybe or can't go: one button each. A person not signed in also gives name and email."""

    answer = SelectField(
        lazy_gettext("Your answer"),
        choices=lambda: choices(
            [
                ("going", lazy_gettext("I'm going")),
                ("maybe", lazy_gettext("Maybe")),
                ("not-going", lazy_gettext("Can't go")),
            ]
        ),
        validators=[InputRequired(lazy_gettext("Choose going, maybe or can't go."))],
    )
    guests = WholeNumberField(
        lazy_gettext("Guests you are bringing"), default=0, validators=[Optional(), NumberRange(0, 20)]
    )
    show_name = BooleanField(lazy_gettext("Show my name to others on the event page"))
    name = StringField(lazy_gettext("Your name"), validators=[Length(max=100)])
    email = EmailField(
        lazy_gettext("Your email"),
        validators=[Optional(), Length(max=254), Email(lazy_gettext("Enter an email address like name@example.org."))],
        description=lazy_gettext(
            "We email you a link to confirm your answer, then the calendar entry and a link to change it. "
            "Never shown to anyone."
        ),
    )


class MessageForm(BaseForm):
    audience = SelectField(
        lazy_gettext("To"),
        choices=lambda: choices(
            [
                ("going", lazy_gettext("Everyone going")),
                ("waitlist", lazy_gettext("The waitlist")),
                ("maybe", lazy_gettext("Everyone who said maybe")),
                ("everyone", lazy_gettext("Everyone going, maybe or waiting")),
            ]
        ),
    )
    subject = StringField(
        lazy_gettext("Subject"),
        validators=[DataRequired(lazy_gettext("Give your message a subject.")), Length(max=120)],
    )
    body = TextAreaField(
        lazy_gettext("Message"), validators=[DataRequired(lazy_gettext("Write your message.")), Length(max=5000)]
    )
    reply_to_me = BooleanField(lazy_gettext("Let people reply to me by email (they will see your address)"))
