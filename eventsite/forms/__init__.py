"""Flask-WTF forms, one module per area; everything is importable from here."""

from eventsite.forms.answers import MessageForm, RsvpForm
from eventsite.forms.base import ONLINE, ActionForm, BaseForm
from eventsite.forms.brew import BrewSignUpForm, SnoozeForm
from eventsite.forms.brew_stewards import VenueForm
from eventsite.forms.events import CancelForm, EventForm, ProposeForm, ReportForm
from eventsite.forms.filters import FilterForm
from eventsite.forms.idea_poll import PollMarkForm, PollOptionForm
from eventsite.forms.ideas import IdeaFilterForm, IdeaForm, IdeaReportForm, SupportForm
from eventsite.forms.people import (
    CohostForm,
    DeleteAccountForm,
    EmailForm,
    InvitationForm,
    LanguageForm,
    PlaceForm,
    RemoveAnswerForm,
)
from eventsite.forms.series import EndSeriesForm, EverySessionForm

__all__ = [
    "ONLINE",
    "ActionForm",
    "BaseForm",
    "BrewSignUpForm",
    "CancelForm",
    "CohostForm",
    "DeleteAccountForm",
    "EmailForm",
    "EndSeriesForm",
    "EventForm",
    "EverySessionForm",
    "FilterForm",
    "IdeaFilterForm",
    "IdeaForm",
    "IdeaReportForm",
    "InvitationForm",
    "LanguageForm",
    "MessageForm",
    "PlaceForm",
    "PollMarkForm",
    "PollOptionForm",
    "ProposeForm",
    "RemoveAnswerForm",
    "ReportForm",
    "RsvpForm",
    "SnoozeForm",
    "SupportForm",
    "VenueForm",
]
