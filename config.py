"""Configuration, read only from environment variables, with safe development defaults."""

import os
from pathlib import Path


def instance_path() -> str:
    """The folder the portal writes to (the default SQLite database): ``INSTANCE_PATH``, else ``instance/`` in the
    current directory (the checkout's own for ``make run``); never inside the installed package."""
    return str(Path(os.environ.get("INSTANCE_PATH") or "instance").resolve())


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _list(name: str, default: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, default).split(",") if item.strip())


def _engine_options() -> dict:
    """pool_pre_ping always; each worker's pool size and overflow from DB_POOL_SIZE / DB_MAX_OVERFLOW when set
    (an ``sqlite://`` pool refuses them)."""
    options: dict = {"pool_pre_ping": True}
    if os.environ.get("DB_POOL_SIZE"):
        options["pool_size"] = _int("DB_POOL_SIZE", 5)
    if os.environ.get("DB_MAX_OVERFLOW"):
        options["max_overflow"] = _int("DB_MAX_OVERFLOW", 10)
    return options


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
    # A relative SQLite path lies in the instance folder, which Flask-SQLAlchemy creates when needed.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///myportal.sqlite3")
    SQLALCHEMY_ENGINE_OPTIONS = _engine_options()
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)  # trusted reverse proxies in front (X-Forwarded-For/-Proto)
    LOG_REQUESTS = _bool("LOG_REQUESTS", True)  # one JSON line per request, with its request id

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "MyPortal <no-reply@myportal.localhost>")
    MAIL_OUTBOX = True  # without MAIL_SERVER: print each message and keep it in the outbox
    PEC_DOMAIN_MARKERS = tuple(
        marker.strip().lower()
        for marker in os.environ.get(
            "PEC_DOMAIN_MARKERS", "pec.,legalmail.,postacert.,cert.,pec-,arubapec.,sicurezzapostale."
        ).split(",")
        if marker.strip()
    )

    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "assistenza@myportal.localhost")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute")
    LOCKOUT_THRESHOLD = _int("LOCKOUT_THRESHOLD", 5)
    LOCKOUT_MINUTES = _int("LOCKOUT_MINUTES", 15)
    ACTIVATION_HOURS = _int("ACTIVATION_HOURS", 24)
    RESET_MINUTES = _int("RESET_MINUTES", 60)
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)

    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = ("it", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "myportal_session"
    # The cookie is not signed and sent again on every page; it expires SESSION_ABSOLUTE_HOURS after it was set
    # (PERMANENT_SESSION_LIFETIME, set from it by create_app), and the idle and absolute time-outs are kept
    # server-side (security/sessions.py).
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024  # a request: one upload of DOCUMENT_MAX_BYTES and its form
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    HSTS = False
    PAGE_SIZE = 25

    MFA_REQUIRED_ROLES = _list("MFA_REQUIRED_ROLES", "admin,support")
    MFA_SECRET_KEY = os.environ.get("MFA_SECRET_KEY", "")  # encrypts TOTP secrets; default: SECRET_KEY
    EIC_ISSUING_OFFICE = os.environ.get("EIC_ISSUING_OFFICE", "26")  # Terna's Local Issuing Office
    GSTAT_DEADLINE_DAY = _int("GSTAT_DEADLINE_DAY", 15)  # of the month after the one reported
    GSTAT_UPLOAD_MAX_BYTES = _int("GSTAT_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
    GUARANTEE_WARNING_THRESHOLD = os.environ.get("GUARANTEE_WARNING_THRESHOLD", "100000")  # EUR of available credit

    # Privacy and legal pages (templates/privacy/texts/, each overridable under instance/templates/privacy/texts/).
    # Who runs the portal: the data controller of the Informativa privacy and the owner named in the Note legali.
    PRIVACY_CONTROLLER = os.environ.get("PRIVACY_CONTROLLER", "Terna S.p.A.")
    PRIVACY_CONTROLLER_ADDRESS = os.environ.get("PRIVACY_CONTROLLER_ADDRESS", "Viale Egidio Galbani 70, 00156 Roma")
    PRIVACY_CONTROLLER_VAT = os.environ.get("PRIVACY_CONTROLLER_VAT", "")
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "privacy@myportal.localhost")
    PRIVACY_DPO_EMAIL = os.environ.get("PRIVACY_DPO_EMAIL", "dpo@myportal.localhost")
    # The version every acknowledgement records: change it whenever the text of the notice changes.
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "1.0")
    PRIVACY_NOTICE_DATE = os.environ.get("PRIVACY_NOTICE_DATE", "2026-12-02")
    # Transfers outside the EEA: none by default; otherwise a sentence naming them and their safeguard.
    PRIVACY_TRANSFERS = os.environ.get("PRIVACY_TRANSFERS", "")
    ACCESSIBILITY_STATUS = os.environ.get("ACCESSIBILITY_STATUS", "parziale")  # conforme, parziale, non_conforme
    ACCESSIBILITY_DECLARATION_DATE = os.environ.get("ACCESSIBILITY_DECLARATION_DATE", "2026-12-02")
    ACCESSIBILITY_REVIEW_DATE = os.environ.get("ACCESSIBILITY_REVIEW_DATE", "2026-12-02")
    ACCESSIBILITY_EMAIL = os.environ.get("ACCESSIBILITY_EMAIL", "accessibilita@myportal.localhost")
    ACCESSIBILITY_AGID_URL = os.environ.get(
        "ACCESSIBILITY_AGID_URL",
        "https://www.agid.gov.it/it/design-servizi/accessibilita/linee-guida-accessibilita-privati",
    )
    # The declaration as published on AgID's form.agid.gov.it, when there is one.
    ACCESSIBILITY_PUBLISHED_URL = os.environ.get("ACCESSIBILITY_PUBLISHED_URL", "")
    # Retention (myportal purge). Log-in history: a year, so that a compromise noticed months later can still be
    # traced, and more than the six months the Garante asks for the access logs of system administrators.
    # Audit log: two years, so that decisions (approvals, enrolments, EIC codes, closures) can be shown when they
    # are disputed after the following yearly cycle.
    LOGIN_HISTORY_RETENTION_DAYS = _int("LOGIN_HISTORY_RETENTION_DAYS", 365)
    AUDIT_RETENTION_DAYS = _int("AUDIT_RETENTION_DAYS", 730)
    CLOSURE_RATE_LIMIT = os.environ.get("CLOSURE_RATE_LIMIT", "10 per hour")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://")
    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "assistenza@myportal.localhost")
    PORTAL_BASE_URL = "http://localhost"
    SERVER_NAME = None
    LOG_REQUESTS = _bool("LOG_REQUESTS", False)
    MFA_REQUIRED_ROLES = ()  # tests of multi-factor log-in turn it on themselves


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    HSTS = True
    MAIL_OUTBOX = False

    @classmethod
    def check(cls) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment():
    """The configuration class named by MYPORTAL_ENV (development by default)."""
    name = os.environ.get("MYPORTAL_ENV", "development")
    config = CONFIGS[name]
    if config is ProductionConfig:
        config.check()
    return config
