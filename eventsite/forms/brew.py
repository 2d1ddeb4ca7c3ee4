"""Brew and biscuits: the sign-up (and changing it), and snoozing."""

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from eventsite.brew import ABOUT_MAX, ORGANISATION_MAX, SignUp, sign_up_problems
from eventsite.events import proposer_problems
from eventsite.forms.base import BaseForm, choices, tag_list
from eventsite.forms.ideas import EMAIL_MESSAGE
from eventsite.i18n import lazy_gettext, lazy_ngettext
from eventsite.models import BrewFrequency, BrewMode, BrewSector, Person
from eventsite.text import parse_tags

TRAVEL, ONLINE_IS_FINE = "travel", "online"
SECTORS = {sector.value: sector for sector in BrewSector}
MODES = {mode.value: mode for mode in BrewMode}
FREQUENCIES = {frequency.value: frequency for frequency in BrewFrequency}
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")
CHOOSE_ONE = lazy_gettext("Choose one")


def _too_long(limit: int):
    return lazy_ngettext("Keep it to %(num)d character or fewer.", "Keep it to %(num)d characters or fewer.", limit)


def addresses(text: str) -> list[str]:
    """The addresses typed one a line, or separated by commas."""
    return [part for part in _ADDRESS_SEPARATORS.split(text or "") if part]


def _valid_address(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


class BrewSignUpForm(BaseForm):
    """Who you are, where and how you'd meet, and what you'd talk about. Someone not signed in
    gives a name and an email address (the emailed link confirms it)."""

    name = StringField(lazy_gettext("Your name"), validators=[Length(max=100)])
    email = EmailField(
        lazy_gettext("Your email"),
        validators=[Optional(), Length(max=254), Email(EMAIL_MESSAGE)],
        description=lazy_gettext("We email you a link to confirm. Nobody sees it unless you choose to share it below."),
    )
    sector = SelectField(
        lazy_gettext("Where you work, or who you are"),
        choices=lambda: choices([("", CHOOSE_ONE), *((sector.value, sector.label) for sector in BrewSector)]),
        validate_choice=False,
    )
    organisation = StringField(
        lazy_gettext("Organisation"),
        validators=[Length(max=ORGANISATION_MAX, message=_too_long(ORGANISATION_MAX))],
        description=lazy_gettext("Optional."),
    )
    place = SelectField(lazy_gettext("Where you are"), validate_choice=False)
    mode = RadioField(
        lazy_gettext("How you'd meet"),
        choices=lambda: choices((mode.value, mode.label) for mode in BrewMode),
        default=BrewMode.EITHER.value,
        validate_choice=False,
    )
    about = TextAreaField(
        lazy_gettext("What you'd like to learn about, or could show someone"),
        validators=[Length(max=ABOUT_MAX, message=_too_long(ABOUT_MAX))],
        description=lazy_ngettext(
            "Optional, up to %(num)d character. The people you're paired with see it.",
            "Optional, up to %(num)d characters. The people you're paired with see it.",
            ABOUT_MAX,
        ),
    )
    interests = StringField(
        lazy_gettext("Interests"),
        validators=[Length(max=300), tag_list],
        description=lazy_gettext("Optional tags, separated by commas: frailty, housing-first."),
    )
    frequency = RadioField(
        lazy_gettext("How often"),
        choices=lambda: choices((frequency.value, frequency.label) for frequency in BrewFrequency),
        default=BrewFrequency.MONTHLY.value,
        validate_choice=False,
    )
    share_email = BooleanField(lazy_gettext("Share my email address with the people I'm paired with"), default=True)
    excluded = TextAreaField(
        lazy_gettext("People you'd rather not be paired with"),
        validators=[Length(max=5000)],
        description=lazy_gettext(
            "Optional: their email addresses, one a line or separated by commas. Never shown to anyone."
        ),
    )

    def __init__(self, *args, places=(), member: Person | None = None, **kwargs):
        """``member``: the signed-in person, or None for someone who gives an email."""
        super().__init__(*args, **kwargs)
        self.places_by_id = {str(place.id): place for place in places}
        self.place.choices = choices(
            [
                ("", CHOOSE_ONE),
                *((str(place.id), place.name) for place in places),
                (TRAVEL, gettext("Happy to travel")),
                (ONLINE_IS_FINE, gettext("Online is fine")),
            ]
        )
        self.person = member

    @classmethod
    def data_for(cls, details: SignUp) -> dict:
        """The form filled with someone's current sign-up."""
        place = str(details.place.id) if details.place else TRAVEL if details.travels else ONLINE_IS_FINE
        return {
            "sector": details.sector.value,
            "organisation": details.organisation,
            "place": place,
            "mode": details.mode.value,
            "about": details.about,
            "interests": ", ".join(details.interests),
            "frequency": details.frequency.value,
            "share_email": details.share_email,
            "excluded": "\n".join(details.excluded_emails),
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        checks = [
            (self.sector, SECTORS, gettext("Choose where you work, or who you are, from the list.")),
            (self.mode, MODES, gettext("Choose in person, online or either.")),
            (self.frequency, FREQUENCIES, gettext("Choose how often you'd like a brew.")),
        ]
        for field, known, message in checks:
            if field.data not in known:
                field.errors = [*field.errors, message]
                valid = False
        if self.place.data not in (*self.places_by_id, TRAVEL, ONLINE_IS_FINE):
            self.place.errors = [
                *self.place.errors,
                gettext("Choose your area, “Happy to travel” or “Online is fine”."),
            ]
            valid = False
        bad = [address for address in addresses(self.excluded.data) if not _valid_address(address)]
        if bad:
            message = gettext("“%(address)s” is not an email address.", address=bad[0][:60])
            self.excluded.errors = [*self.excluded.errors, message]
            valid = False
        email = self.person.email if self.person is not None else self.email.data
        problems = proposer_problems(self.person, self.email.data, self.name.data)
        if valid:  # the domain's rules need every choice readable
            problems += sign_up_problems(self.details(), email)
        return self.add_problems(problems) and valid

    def details(self) -> SignUp:
        return SignUp(
            sector=SECTORS[self.sector.data],
            frequency=FREQUENCIES[self.frequency.data],
            mode=MODES[self.mode.data],
            place=self.places_by_id.get(self.place.data),
            travels=self.place.data == TRAVEL,
            organisation=self.organisation.data,
            about=self.about.data,
            interests=parse_tags(self.interests.data),
            share_email=self.share_email.data,
            excluded_emails=addresses(self.excluded.data),
        )


class SnoozeForm(BaseForm):
    until = DateField(
        lazy_gettext("Snooze until"), validators=[InputRequired(lazy_gettext("Enter a date, for example 2027-03-14."))]
    )
