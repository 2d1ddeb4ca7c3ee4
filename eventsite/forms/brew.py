"""Brew and biscuits: the sign-up (and changing it), and snoozing."""

import re

from email_validator import EmailNotValidError, validate_email
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from eventsite.brew import ABOUT_MAX, ORGANISATION_MAX, SignUp, sign_up_problems
from eventsite.events import proposer_problems
from eventsite.forms.base import BaseForm, choices, tag_list
from eventsite.forms.ideas import EMAIL_MESSAGE
from eventsite.models import BrewFrequency, BrewMode, BrewSector, Person
from eventsite.text import parse_tags

TRAVEL, ONLINE_IS_FINE = "travel", "online"
SECTORS = {sector.value: sector for sector in BrewSector}
MODES = {mode.value: mode for mode in BrewMode}
FREQUENCIES = {frequency.value: frequency for frequency in BrewFrequency}
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


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

    name = StringField("Your name", validators=[Length(max=100)])
    email = EmailField(
        "Your email",
        validators=[Optional(), Length(max=254), Email(EMAIL_MESSAGE)],
        description="We email you a link to confirm. Nobody sees it unless you choose to share it below.",
    )
    sector = SelectField(
        "Where you work, or who you are",
        choices=lambda: choices([("", "Choose one"), *((sector.value, sector.label) for sector in BrewSector)]),
        validate_choice=False,
    )
    organisation = StringField(
        "Organisation",
        validators=[Length(max=ORGANISATION_MAX, message=f"Keep it to {ORGANISATION_MAX} characters or fewer.")],
        description="Optional.",
    )
    place = SelectField("Where you are", validate_choice=False)
    mode = RadioField(
        "How you'd meet",
        choices=lambda: choices((mode.value, mode.label) for mode in BrewMode),
        default=BrewMode.EITHER.value,
        validate_choice=False,
    )
    about = TextAreaField(
        "What you'd like to learn about, or could show someone",
        validators=[Length(max=ABOUT_MAX, message=f"Keep it to {ABOUT_MAX} characters or fewer.")],
        description=f"Optional, up to {ABOUT_MAX} characters. The people you're paired with see it.",
    )
    interests = StringField(
        "Interests",
        validators=[Length(max=300), tag_list],
        description="Optional tags, separated by commas: frailty, housing-first.",
    )
    frequency = RadioField(
        "How often",
        choices=lambda: choices((frequency.value, frequency.label) for frequency in BrewFrequency),
        default=BrewFrequency.MONTHLY.value,
        validate_choice=False,
    )
    share_email = BooleanField("Share my email address with the people I'm paired with", default=True)
    excluded = TextAreaField(
        "People you'd rather not be paired with",
        validators=[Length(max=5000)],
        description="Optional: their email addresses, one a line or separated by commas. Never shown to anyone.",
    )

    def __init__(self, *args, places=(), member: Person | None = None, **kwargs):
        """``member``: the signed-in person, or None for someone who gives an email."""
        super().__init__(*args, **kwargs)
        self.places_by_id = {str(place.id): place for place in places}
        self.place.choices = choices(
            [
                ("", "Choose one"),
                *((str(place.id), place.name) for place in places),
                (TRAVEL, "Happy to travel"),
                (ONLINE_IS_FINE, "Online is fine"),
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
            (self.sector, SECTORS, "Choose where you work, or who you are, from the list."),
            (self.mode, MODES, "Choose in person, online or either."),
            (self.frequency, FREQUENCIES, "Choose how often you'd like a brew."),
        ]
        for field, known, message in checks:
            if field.data not in known:
                field.errors = [*field.errors, message]
                valid = False
        if self.place.data not in (*self.places_by_id, TRAVEL, ONLINE_IS_FINE):
            self.place.errors = [*self.place.errors, "Choose your area, “Happy to travel” or “Online is fine”."]
            valid = False
        bad = [address for address in addresses(self.excluded.data) if not _valid_address(address)]
        if bad:
            self.excluded.errors = [*self.excluded.errors, f"“{bad[0][:60]}” is not an email address."]
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
    until = DateField("Snooze until", validators=[InputRequired("Enter a date, for example 2027-03-14.")])
