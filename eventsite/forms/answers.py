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
        description="We email you a link to confirm your answer, then the calendar entry and a link to change it. "
        "Never shown to anyone.",
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
    reply_to_me = BooleanField("Let people reply to me by email (they will see your address)")
