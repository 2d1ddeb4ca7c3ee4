"""The data, by area: people, gatherings, answers, series, ideas, brew pairs, imports, the mail queue and the
site's content version.

Times are aware UTC datetimes (see ``eventsite.database.UTCDateTime``); an event's own
IANA zone is kept beside them for display and calendar output. Import models from
here: ``from eventsite.models import Event``.
"""

from eventsite.models.answers import PendingAnswer, Rsvp, RsvpStatus
from eventsite.models.brew import (
    SECTOR_LABELS,
    BrewFrequency,
    BrewGroup,
    BrewGroupMember,
    BrewMember,
    BrewMode,
    BrewRound,
    BrewSector,
    BrewVenue,
    MetAnswer,
    PendingBrewSignup,
)
from eventsite.models.events import (
    ACCESS_FEATURES,
    KIND_LABELS,
    Event,
    EventChange,
    EventHost,
    EventKind,
    EventStatus,
    HostInvitation,
    Place,
    Report,
    Tag,
    event_tags,
)
from eventsite.models.ideas import (
    AgainRequest,
    Idea,
    IdeaStatus,
    IdeaSupport,
    PendingSupport,
    PollChoice,
    PollOption,
    PollVote,
    idea_tags,
)
from eventsite.models.imports import ImportedItem, ImportSource, PendingImport
from eventsite.models.mail import OutboxMail
from eventsite.models.people import DELETED_DOMAIN, EmailLink, LinkPurpose, Person, PersonSession
from eventsite.models.series import Series, SeriesHost, SeriesStatus, StandingAnswer
from eventsite.models.site import ContentVersion

__all__ = [
    "ACCESS_FEATURES",
    "DELETED_DOMAIN",
    "KIND_LABELS",
    "SECTOR_LABELS",
    "AgainRequest",
    "BrewFrequency",
    "BrewGroup",
    "BrewGroupMember",
    "BrewMember",
    "BrewMode",
    "BrewRound",
    "BrewSector",
    "BrewVenue",
    "ContentVersion",
    "EmailLink",
    "Event",
    "EventChange",
    "EventHost",
    "EventKind",
    "EventStatus",
    "HostInvitation",
    "Idea",
    "IdeaStatus",
    "IdeaSupport",
    "ImportSource",
    "ImportedItem",
    "LinkPurpose",
    "MetAnswer",
    "OutboxMail",
    "PendingAnswer",
    "PendingBrewSignup",
    "PendingImport",
    "PendingSupport",
    "Person",
    "PersonSession",
    "Place",
    "PollChoice",
    "PollOption",
    "PollVote",
    "Report",
    "Rsvp",
    "RsvpStatus",
    "Series",
    "SeriesHost",
    "SeriesStatus",
    "StandingAnswer",
    "Tag",
    "event_tags",
    "idea_tags",
]
