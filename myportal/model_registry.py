"""Imports every feature's models so that the metadata (and Alembic's autogenerate) sees all tables."""

from .content.models import Document, NewsItem  # noqa: F401
from .contracts.models import Contract, Measurement, MeterReading, SupplyPoint  # noqa: F401
from .notifications.models import OutboxMessage  # noqa: F401
from .operators.contact_models import PendingEmailChange, UserContact  # noqa: F401
from .operators.models import Operator, User  # noqa: F401
from .registration.models import (  # noqa: F401
    CustomerRecord,
    GecoPractice,
    LegacyCredential,
    RegistrationRequest,
)
from .security.models import AuditEvent, Token, UserSession  # noqa: F401
from .tickets.models import Ticket, TicketAttachment, TicketMessage  # noqa: F401
