"""Importing a calendar: where from (an address or a file), then what to bring in."""

from flask_babel import gettext
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, Length

from eventsite.fetch import MAX_BYTES
from eventsite.forms.base import BaseForm, kind_choices, place_choices, web_link
from eventsite.i18n import lazy_gettext


class ImportForm(BaseForm):
    url = StringField(
        lazy_gettext("Calendar address"),
        validators=[Length(max=2000), web_link],
        description=lazy_gettext(
            "The https:// address of an .ics calendar (“iCal link”, “public address in iCal format”)."
        ),
    )
    file = FileField(lazy_gettext("Or an .ics file"), description=lazy_gettext("At most 2 MB."))
    keep_in_sync = BooleanField(
        lazy_gettext("Keep it in sync"),
        description=lazy_gettext("Check the address every hour and bring in what changed there."),
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        upload = self.file.data
        if bool(self.url.data) == bool(upload):
            self.url.errors = [*self.url.errors, gettext("Give a calendar’s address or choose a file, one of the two.")]
            return False
        if upload and len(self.upload()) > MAX_BYTES:
            self.file.errors = [*self.file.errors, gettext("The file is larger than 2 MB.")]
            return False
        return valid

    def upload(self) -> bytes:
        if not self.file.data:
            return b""
        if not hasattr(self, "_upload"):
            self._upload = self.file.data.read(MAX_BYTES + 1)
        return self._upload


class ChooseForm(BaseForm):
    """What the preview asks: which new events, and what they are and where (for all of them)."""

    chosen = SelectMultipleField(
        lazy_gettext("Bring in"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=lambda: kind_choices(gettext("Choose a kind")),
        validators=[InputRequired(lazy_gettext("Choose what kind of gatherings these are."))],
    )
    place = SelectField(
        lazy_gettext("Place"),
        validators=[InputRequired(lazy_gettext("Choose the locality, or “Online”."))],
        description=lazy_gettext(
            "For all of them (those with only a link are online); change any one afterwards on its page."
        ),
    )

    def __init__(self, *args, uids=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen.choices = [(uid, uid) for uid in uids]
        self.place.choices = place_choices(gettext("Choose a place"), places)
