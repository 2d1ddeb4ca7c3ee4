"""The list's filters (a GET form)."""

from datetime import date

from flask_babel import gettext
from wtforms import (
    DateField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional, ValidationError

from eventsite.forms.base import (
    KINDS_BY_VALUE,
    ONLINE,
    BaseForm,
    choices,
    kind_choices,
    place_choices,
)
from eventsite.i18n import lazy_gettext
from eventsite.listing import EVERY_SESSION, ONLY_SERIES, EventFilters
from eventsite.text import normalise_tag

REVERSED_RANGE = lazy_gettext("“To” must not be before “From”.")


def plausible_date(form, field) -> None:
    if field.data and not date(2000, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError(gettext("Choose a date between the years 2000 and 2999."))


class FilterForm(BaseForm):
    """The list's filters: a GET form, so no CSRF token; bad values are reported, not fatal."""

    class Meta:
        csrf = False

    kind = SelectField(lazy_gettext("Kind"), choices=lambda: kind_choices(gettext("Any kind")), validators=[Optional()])
    place = SelectField(lazy_gettext("Place"), validators=[Optional()])
    tag = StringField(lazy_gettext("Tag"), validators=[Optional(), Length(max=40)])
    date_from = DateField(lazy_gettext("From"), validators=[Optional(), plausible_date])
    date_to = DateField(lazy_gettext("To"), validators=[Optional(), plausible_date])
    series = SelectField(
        lazy_gettext("Series"),
        choices=lambda: choices(
            [
                ("", gettext("The next session of each")),
                (ONLY_SERIES, gettext("Series only")),
                (EVERY_SESSION, gettext("Every session")),
            ]
        ),
        validators=[Optional()],
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = place_choices(gettext("Anywhere"), places)

    def to_filters(self) -> EventFilters:
        """The filters whose values are valid; each invalid one shows its message instead.
        A reversed date range applies neither end: "from" alone would list other days than asked."""
        self.validate()
        value = {field.name: None if field.errors else field.data for field in self}
        if str(REVERSED_RANGE) in self.date_to.errors:
            value["date_from"] = None
        place = (value["place"] or "").strip()
        return EventFilters(
            kind=KINDS_BY_VALUE.get(value["kind"]),
            place="" if place == ONLINE else place,
            online=place == ONLINE,
            tag=normalise_tag(value["tag"] or ""),
            date_from=value["date_from"],
            date_to=value["date_to"],
            series=value["series"] or "",
        )

    def feed_args(self) -> dict[str, str]:
        """The feed's query for the filters that apply: an invalid one is explained, not kept."""
        filters = self.to_filters()
        args = {
            "kind": filters.kind.value if filters.kind else "",
            "place": ONLINE if filters.online else filters.place,
            "tag": filters.tag,
        }
        return {name: value for name, value in args.items() if value}

    def validate_date_to(self, field) -> None:
        after = self.date_from.data if not self.date_from.errors else None  # an invalid "from" is explained already
        if field.data and after and field.data < after:
            raise ValidationError(str(REVERSED_RANGE))
