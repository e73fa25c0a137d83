"""Imports every feature's models so that the metadata (and Alembic's autogenerate) sees all tables."""

from .contracts.models import Contract, SupplyPoint  # noqa: F401
from .notifications.models import OutboxMessage  # noqa: F401
from .operators.models import Operator, User  # noqa: F401
from .registration.models import (  # noqa: F401
    CustomerRecord,
    GecoPractice,
    LegacyCredential,
    RegistrationRequest,
)
from .security.models import AuditEvent, Token, UserSession  # noqa: F401
