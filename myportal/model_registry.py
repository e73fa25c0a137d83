"""Imports every model so that the metadata (and Alembic's autogenerate) sees all tables."""

from .features import feature_modules
from .notifications.models import OutboxMessage  # noqa: F401
from .operators.contact_models import PendingEmailChange  # noqa: F401
from .security.models import AuditEvent, RecoveryCode, Token, UserSession  # noqa: F401

# Each feature's models.py (operators, registration, contracts, invoicing, tickets, content, ...).
FEATURE_MODELS = tuple(feature_modules("models"))
