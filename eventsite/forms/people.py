"""Email addresses (signing in, co-hosts), host invitations, removing an answer, deleting an
account, stewards' places, and the language switcher."""

from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length

from eventsite.forms.base import (
    BaseForm,
)
from eventsite.i18n import language_name, languages


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
    """Whom to invite to host: just the address; they give their own name when accepting."""


class InvitationForm(BaseForm):
    """Accept or decline an invitation to host; the name is asked of someone who has none yet."""

    name = StringField("Your name", validators=[Length(max=100)], description="Shown on the gathering's page.")


class RemoveAnswerForm(BaseForm):
    reason = StringField(
        "Why (optional)",
        validators=[Length(max=300)],
        description="Sent to them, e.g. “This looks like a duplicate of your other answer”.",
    )


class DeleteAccountForm(BaseForm):
    confirm = BooleanField(
        "Yes, delete my account and my answers", validators=[DataRequired("Tick the box to confirm.")]
    )


class PlaceForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Give the place a name."), Length(max=80)])


class LanguageForm(BaseForm):
    """The footer's language switcher; ``next`` is the page to go back to."""

    language = SelectField(lazy_gettext("Language"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, language_name(code)) for code in languages()]
