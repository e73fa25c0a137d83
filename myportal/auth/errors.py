"""The refusal of the log-in steps, shared by the password step (services) and the second factor (mfa)."""

from ..errors import DomainError


class AuthError(DomainError):
    """A refusal whose message can be shown as is; ``field`` names the form field it belongs to."""
