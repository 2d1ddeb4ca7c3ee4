"""Email addresses (signing in, co-hosts), deleting an account, and stewards' places."""

from wtforms import (
    BooleanField,
    EmailField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length

from eventsite.forms.base import (
    BaseForm,
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


class DeleteAccountForm(BaseForm):
    confirm = BooleanField(
        "Yes, delete my account and my answers", validators=[DataRequired("Tick the box to confirm.")]
    )


class PlaceForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Give the place a name."), Length(max=80)])
