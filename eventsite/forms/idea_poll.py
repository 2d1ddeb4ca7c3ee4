"""An idea's date poll: offering a date, and marking the dates offered."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from wtforms import DateField, RadioField, SelectField, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from eventsite.forms.base import BaseForm, choices
from eventsite.i18n import lazy_gettext
from eventsite.models import PollChoice, PollOption
from eventsite.times import timezone_choices, timezone_names

CHOICE_LABELS = {
    PollChoice.YES: lazy_gettext("Yes"),
    PollChoice.IF_NEED_BE: lazy_gettext("If need be"),
    PollChoice.NO: lazy_gettext("No"),
}


class PollOptionForm(BaseForm):
    date = DateField(
        lazy_gettext("Date"), validators=[InputRequired(lazy_gettext("Enter a date, for example 2027-03-14."))]
    )
    time = TimeField(
        lazy_gettext("Starts at"), validators=[InputRequired(lazy_gettext("Enter a time, for example 19:00."))]
    )
    end_time = TimeField(
        lazy_gettext("Ends at"),
        validators=[Optional()],
        description=lazy_gettext("Optional: two hours later if left empty."),
    )
    timezone = SelectField(lazy_gettext("Time zone"), validators=[InputRequired()], render_kw={"translate": "no"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "option")
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices(current_app.config["TIMEZONE"], self.timezone.data)
        if not self.timezone.data:
            self.timezone.data = current_app.config["TIMEZONE"]

    def validate_timezone(self, field) -> None:
        if field.data not in timezone_names():
            raise ValidationError(gettext("Choose a time zone from the list."))

    def starts_local(self) -> datetime:
        return datetime.combine(self.date.data, self.time.data)

    def ends_local(self) -> datetime | None:
        """The end on the same day, or the next day when it is earlier than the start (past midnight)."""
        if self.end_time.data is None:
            return None
        ends = datetime.combine(self.date.data, self.end_time.data)
        if self.end_time.data <= self.time.data:
            ends += timedelta(days=1)
        return ends


class PollMarkForm(BaseForm):
    """One group of three radio buttons per offered date; made for the poll's options with ``for_options``."""

    option_ids: tuple[int, ...] = ()

    @classmethod
    def for_options(cls, options: list[PollOption], mine: dict | None = None, **kwargs) -> "PollMarkForm":
        labels = choices((choice.value, label) for choice, label in CHOICE_LABELS.items())
        fields = {
            f"option_{option.id}": RadioField("", choices=labels, validators=[Optional()], validate_choice=False)
            for option in options
        }
        form_class = type("PollMarks", (cls,), {**fields, "option_ids": tuple(option.id for option in options)})
        data = {f"option_{option_id}": choice.value for option_id, choice in (mine or {}).items()}
        return form_class(data=data, prefix="marks", **kwargs)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for option_id in self.option_ids:
            field = self[f"option_{option_id}"]
            if field.data not in (None, "", *(choice.value for choice in PollChoice)):
                field.errors = [*field.errors, gettext("Choose yes, if need be, or no.")]
                valid = False
        return valid

    def field_for(self, option_id: int):
        return self[f"option_{option_id}"]

    def marks(self) -> dict[int, PollChoice]:
        """The dates marked, by option id (unmarked ones are left as they were)."""
        marked = {}
        for option_id in self.option_ids:
            value = self[f"option_{option_id}"].data
            if value:
                marked[option_id] = PollChoice(value)
        return marked
