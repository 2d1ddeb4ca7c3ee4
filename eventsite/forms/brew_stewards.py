"""Stewards' brew page: the venues suggested for in-person meetings in each locality."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from eventsite.forms.base import BaseForm, choices
from eventsite.i18n import lazy_gettext
from eventsite.models import Place


class VenueForm(BaseForm):
    """A coffee shop or community space where brew pairs in a locality could meet."""

    place = SelectField(
        lazy_gettext("Locality"), validators=[InputRequired(lazy_gettext("Choose the locality it is in."))]
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[DataRequired(lazy_gettext("Give the venue a name.")), Length(max=120)],
        description=lazy_gettext("A coffee shop or community space, e.g. “Armley Mills Café”."),
    )
    address = StringField(
        lazy_gettext("Address"),
        validators=[Length(max=300)],
        description=lazy_gettext("Optional, e.g. “Canal Road, LS12”."),
    )

    def __init__(self, places, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places_by_id = {str(place.id): place for place in places}
        self.place.choices = choices(
            [("", lazy_gettext("Choose…")), *((str(place.id), place.name) for place in places)]
        )

    def chosen_place(self) -> Place:
        """The locality chosen (the field only accepts one of its choices)."""
        return self.places_by_id[self.place.data]
