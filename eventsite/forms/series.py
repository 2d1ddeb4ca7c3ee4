"""Series: answering for every session."""

from wtforms import SelectField
from wtforms.validators import InputRequired

from eventsite.forms.base import BaseForm, choices


class EverySessionForm(BaseForm):
    """Going or maybe to every coming session, and to those added later."""

    answer = SelectField(
        "Every session",
        choices=lambda: choices([("going", "I'll come to every session"), ("maybe", "Maybe, every session")]),
        validators=[InputRequired("Choose going or maybe.")],
    )
