"""What the model modules share: enums stored as readable strings."""

import enum

from sqlalchemy import Enum


def stored_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a plain string column (portable, readable)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
