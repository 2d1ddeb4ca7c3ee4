"""Series: answering for every session, and ending a series."""

from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from eventsite.forms.base import BaseForm, choices


class EverySessionForm(BaseForm):
    """Going or maybe to every coming session, and to those added later."""

    answer = SelectField(
        "Every session",
        choices=lambda: choices([("going", "I'll come to every session"), ("maybe", "Maybe, every session")]),
        validators=[InputRequired("Choose going or maybe.")],
    )


class EndSeriesForm(BaseForm):
    message = TextAreaField(
        "Message to people",
        validators=[Length(max=500)],
        description="Optional: a line on why, in the email and on each cancelled session's page.",
    )
