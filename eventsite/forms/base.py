"""The forms' shared parts: text clean-up, control characters, fields and validators with our messages.

Rules that need the database or the clock (a start in the past, a DST gap)
live in the domain modules and come back as ``InvalidInput`` for a field.
"""

from urllib.parse import urlsplit

from flask_babel import get_translations, gettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from eventsite.errors import InvalidInput
from eventsite.i18n import lazy_gettext, lazy_ngettext
from eventsite.models import KIND_LABELS, EventKind
from eventsite.text import has_control_chars, normalise_tag, parse_tags, split_tags

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
DATETIME_MESSAGE = lazy_gettext("Enter a date and time, for example 2027-03-14 19:00.")
ONLINE = "online"
MAX_TAGS = 10
KINDS_BY_VALUE = {kind.value: kind for kind in EventKind}


# WTForms' own messages that our forms can show ("Not a valid choice."), listed so that they
# are in our catalogue: every language we ship then has them (WTForms' own catalogue lacks
# some), and the pseudo-locales prove they are translated. WTForms asks for them itself.
WTFORMS_MESSAGES = (
    lazy_gettext("This field is required."),
    lazy_gettext("Not a valid choice."),
    lazy_gettext("Not a valid integer value."),
    lazy_gettext("Not a valid date value."),
    lazy_gettext("Not a valid datetime value."),
    lazy_gettext("Invalid email address."),
    lazy_gettext("Number must be at least %(min)s."),
    lazy_gettext("Number must be at most %(max)s."),
    lazy_gettext("Number must be between %(min)s and %(max)s."),
    lazy_gettext("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    ),
    lazy_ngettext(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1
    ),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1
    ),
)


class _WTFormsTranslations:
    """WTForms' messages from our catalogue, else from WTForms' own (Flask-WTF's), unformatted:
    WTForms fills in the values itself."""

    def gettext(self, string: str) -> str:
        ours = get_translations().ugettext(string)
        return ours if ours != string else wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = get_translations().ungettext(singular, plural, n)
        return ours if ours not in (singular, plural) else wtforms_translations.ngettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WTFormsTranslations()


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

        def get_translations(self, form):
            return WTFORMS_TRANSLATIONS

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            data = field.data if isinstance(field.data, str) else ""
            multiline = isinstance(field, TextAreaField)
            if data and has_control_chars(data, multiline=multiline):
                field.errors = [*field.errors, gettext("This contains characters that cannot be used here.")]
                valid = False
        return valid

    def add_error(self, error: InvalidInput) -> None:
        """Show a domain rule's message beside its field (or the form's first)."""
        field = self._field_for(error)
        field.errors = [*field.errors, error.message]

    def add_problems(self, problems: list[InvalidInput]) -> bool:
        """Show each of the domain's problems beside its field, unless the field already has a
        message (its own check said more precisely what is wrong); True when there were none."""
        for problem in problems:
            if not self._field_for(problem).errors:
                self.add_error(problem)
        return not problems

    def _field_for(self, error: InvalidInput):
        return getattr(self, error.field, None) or next(iter(self))


class ActionForm(BaseForm):
    """No fields: a CSRF token for one-button POST actions."""


LINK_MESSAGE = lazy_gettext("Give a full web link starting with https:// (or http://).")


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
        raise ValidationError(gettext("Tags may use letters, numbers and hyphens."))
    if len(parse_tags(field.data or "")) > MAX_TAGS:
        raise ValidationError(gettext("Use at most %(num)d tags.", num=MAX_TAGS))


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
            raise ValueError(gettext("Give a whole number, like 20, or leave it empty.")) from None


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def kind_choices(empty_label: str) -> list[SelectChoice]:
    return choices([("", empty_label), *((kind.value, label) for kind, label in KIND_LABELS.items())])


def place_choices(empty_label: str, places) -> list[SelectChoice]:
    return choices([("", empty_label), (ONLINE, gettext("Online")), *((place.slug, place.name) for place in places)])
