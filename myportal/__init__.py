"""myportal: a self-service portal for the operators of an electricity grid."""

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request, session
from flask_babel import get_translations
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from config import instance_path

from . import ops
from .extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale
from .security import input_guard

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent  # the checkout's top level, in development
PUBLIC_ASSETS = {"static"}  # endpoints whose answers are the same for everyone, and may be cached


def shipped_folder(name: str) -> str:
    """templates, static or migrations: inside the package once installed (setup.py), else the checkout's."""
    inside = PACKAGE_DIR / name
    return str(inside if inside.is_dir() else ROOT / name)


def create_app(config=None) -> Flask:
    """Build the application; ``config`` is a config class or mapping (default: from the environment)."""
    app = Flask(
        __name__,
        template_folder=shipped_folder("templates"),
        static_folder=shipped_folder("static"),
        instance_path=instance_path(),
    )
    if config is None:
        from config import config_from_environment

        config = config_from_environment()
    if isinstance(config, dict):
        from config import Config

        app.config.from_object(Config)
        app.config.update(config)
    else:
        app.config.from_object(config)
    # The session cookie lives as long as the server keeps the session (the absolute time-out of
    # security/sessions.py): one setting for both.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_context(app)
    register_commands(app)
    ops.init_app(app)  # last: its after-request hook runs first and logs the final status
    return app


def register_extensions(app: Flask) -> None:
    from . import model_registry, transaction  # noqa: F401  (every table known to the metadata)
    from .security import sessions  # noqa: F401  (registers the user loader)

    db.init_app(app)
    migrate.init_app(app, db, directory=shipped_folder("migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Accedi per continuare."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side and rotated on log-in
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    transaction.init_app(app)
    input_guard.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Each feature package holds a Blueprint ``bp``; importing its views attaches the routes."""
    from importlib import import_module

    from .features import FEATURES

    for feature in FEATURES:
        import_module(f"{__name__}.{feature}.views")
        app.register_blueprint(import_module(f"{__name__}.{feature}").bp)


def register_errorhandlers(app: Flask) -> None:
    messages = {
        400: "Richiesta non valida.",
        403: "Non hai i permessi per accedere a questa pagina.",
        404: "La pagina richiesta non esiste.",
        405: "Metodo non consentito.",
        413: "Il file inviato è troppo grande.",
        429: "Troppi tentativi in poco tempo. Attendi qualche minuto e riprova.",
        500: "Si è verificato un errore imprevisto. Riprova più tardi.",
    }

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code == 500:
            # A failed transaction cannot be used to load the user shown in the page header.
            db.session.rollback()
        return render_template("errors/error.html", code=code, message=messages.get(code, "")), code

    for code in messages:
        app.register_error_handler(code, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "La sessione del modulo è scaduta o non è valida: ricarica la pagina e riprova."
        return render_template("errors/error.html", code=400, message=message), 400


def register_security_headers(app: Flask) -> None:
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )

    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["HSTS"]:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    app.extensions["myportal.security_headers"] = tuple(headers)  # the health check sends them too
    fixed = tuple(headers[1:])

    @app.after_request
    def _headers(response):
        sent = response.headers
        sent.setdefault("Content-Security-Policy", policy)
        for name, value in fixed:
            sent[name] = value
        # Nothing a logged-in user is sent is kept by the browser or a proxy, downloads included (send_file's
        # "no-cache" only asks to revalidate); the public assets are the same for everyone.
        if (
            request.endpoint not in PUBLIC_ASSETS
            and not response.cache_control.no_store
            and current_user.is_authenticated
        ):
            sent["Cache-Control"] = "no-store"
        return response


def register_template_context(app: Flask) -> None:
    from .contracts.selection import current_supply_point, operator_supply_points
    from .formatting import register_template_formatters
    from .navigation import fragment, menu_for, menu_html
    from .pages import id_urls

    @app.context_processor
    def _context():
        if not has_request_context():  # e-mails rendered by a command
            return {}
        user = current_user._get_current_object()
        context = {"menu": menu_for(user), "menu_html": menu_html(user), "current_lang": session.get("lang") or "it"}
        if user.is_authenticated and user.operator_id is not None:
            context["supply_points"] = operator_supply_points()
            context["current_supply_point"] = current_supply_point()
        return context

    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.globals["id_urls"] = id_urls
    # Flask-Babel's template callables resolve the domain, locale and catalogue on every call; these look the
    # catalogue up once per request (see _request_translations).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _request_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )

    register_template_formatters(app)


def _request_translations():
    """Flask-Babel's translations for the current locale, kept on ``g`` with the locale they were made for: a
    locale changed within the request (``flask_babel.refresh``, ``force_locale``) gets its own catalogue."""
    try:
        namespace = g._get_current_object()
    except RuntimeError:  # no application context: Flask-Babel answers with its null catalogue
        return get_translations()
    cached = getattr(namespace, "_myportal_translations", None)
    if cached is not None and cached[0] is _babel_locale(namespace):
        return cached[1]
    translations = get_translations()
    locale = _babel_locale(namespace)  # chosen by the call above
    if locale is not None:
        namespace._myportal_translations = (locale, translations)
    return translations


def _babel_locale(namespace):
    """The locale Flask-Babel chose for this request, None before it chose one."""
    return getattr(getattr(namespace, "_flask_babel", None), "babel_locale", None)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
