"""Brew and biscuits: the coffee shops and community spaces stewards suggest for pairs who
meet in person, kept per locality. A meeting copies its venue's name and address, so
removing a venue changes no meeting already suggested there."""

from flask_babel import gettext
from sqlalchemy import func, select

from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.models import BrewVenue, Place


def all_venues() -> list[BrewVenue]:
    return list(db.session.scalars(select(BrewVenue).join(Place).order_by(Place.name, BrewVenue.name)))


def venues_by_place() -> dict[int, list[BrewVenue]]:
    """Each locality's venues, oldest first (a round takes them in turn)."""
    venues: dict[int, list[BrewVenue]] = {}
    for venue in db.session.scalars(select(BrewVenue).order_by(BrewVenue.id)):
        venues.setdefault(venue.place_id, []).append(venue)
    return venues


def add_venue(place: Place, name: str, address: str) -> BrewVenue:
    """A venue in a locality, named once there."""
    taken = select(BrewVenue.id).where(BrewVenue.place_id == place.id, func.lower(BrewVenue.name) == name.lower())
    if db.session.scalar(taken) is not None:
        raise InvalidInput(
            "name", gettext("%(place)s already has a venue called %(name)s.", place=place.name, name=name)
        )
    venue = BrewVenue(place=place, name=name, address=address)
    db.session.add(venue)
    db.session.flush()
    return venue


def remove_venue(venue: BrewVenue) -> None:
    db.session.delete(venue)
    db.session.flush()
