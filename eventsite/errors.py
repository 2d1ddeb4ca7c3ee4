"""Domain errors: raised by the rules, turned into messages by the views."""


class DomainError(Exception):
    """A rule said no. The message is written for the person using the site."""


class NotAllowed(DomainError):
    """The person may not do this (the views answer 403)."""


class InvalidInput(DomainError):
    """A value broke a rule; ``field`` names the form field it belongs beside. A lazy
    message (a module's constant) is written out now, in the language of the request."""

    def __init__(self, field: str, message: str) -> None:
        message = str(message)
        super().__init__(message)
        self.field = field
        self.message = message


class LinkInvalid(DomainError):
    """An emailed link that is unknown, expired or already used."""
