"""The one refusal a service raises: ``DomainError(message, field=None)``.

A service that refuses an action raises a ``DomainError`` (or a feature's subclass, which adds nothing but a
name): ``message`` is said to the user in their words, ``field`` names the form field it belongs to, if any.
Views show it with :func:`myportal.forms.refusals`, which also throws away what the request wrote so far.
"""


class DomainError(Exception):
    """A refused action, with the message for the user and the form field it belongs to (None: the form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
