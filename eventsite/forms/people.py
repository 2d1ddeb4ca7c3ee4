"""Email addresses (signing in, co-hosts), host invitations, removing an answer, deleting an
account, stewards' places, and the language switcher."""

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
from eventsite.i18n import language_name, languages, lazy_gettext


class EmailForm(BaseForm):
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            InputRequired(lazy_gettext("Enter your email address.")),
            Length(max=254),
            Email(lazy_gettext("Enter an email address like name@example.org.")),
        ],
    )


class CohostForm(EmailForm):
    """Whom to invite to host: just the address; they give their own name when accepting."""


class InvitationForm(BaseForm):
    """Accept or decline an invitation to host; the name is asked of someone who has none yet."""

    name = StringField(
        lazy_gettext("Your name"),
        validators=[Length(max=100)],
        description=lazy_gettext("Shown on the gathering's page."),
    )


class RemoveAnswerForm(BaseForm):
    reason = StringField(
        lazy_gettext("Why (optional)"),
        validators=[Length(max=300)],
        description=lazy_gettext("Sent to them, e.g. “This looks like a duplicate of your other answer”."),
    )


class DeleteAccountForm(BaseForm):
    confirm = BooleanField(
        lazy_gettext("Yes, delete my account and my answers"),
        validators=[DataRequired(lazy_gettext("Tick the box to confirm."))],
    )


class PlaceForm(BaseForm):
    name = StringField(
        lazy_gettext("Name"), validators=[DataRequired(lazy_gettext("Give the place a name.")), Length(max=80)]
    )


class LanguageForm(BaseForm):
    """The footer's language switcher; ``next`` is the page to go back to."""

    language = SelectField(lazy_gettext("Language"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, language_name(code)) for code in languages()]
