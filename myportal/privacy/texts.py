"""The legal texts: Informativa privacy, Note legali, the cookie statement and the Dichiarazione di
accessibilità.

Each text is a template under ``templates/privacy/texts/``; the deploying operator replaces one by putting a
file of the same name under ``<instance>/templates/privacy/texts/`` (``informativa.en.html`` beside
``informativa.html`` for a text of its own in one language). The values the shipped texts need (controller,
DPO, dates, retention) come from the configuration, so that most deployments only set variables.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import get_locale, gettext, ngettext
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from ..formatting import numeric_date

TEXTS = {
    "informativa": "Informativa privacy",
    "note_legali": "Note legali",
    "cookie": "Cookie",
    "accessibilita": "Dichiarazione di accessibilità",
}
ACCESSIBILITY_STATUS = {
    "conforme": "conforme",
    "parziale": "parzialmente conforme",
    "non_conforme": "non conforme",
}


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    lifetime: str
    attributes: str


def _environment(app):
    """The app's template environment with ``<instance>/templates`` searched first (built once per app)."""
    environment = app.extensions.get("myportal.legal_texts")
    if environment is None:
        overrides = FileSystemLoader(str(Path(app.instance_path) / "templates"))
        environment = app.jinja_env.overlay(loader=ChoiceLoader([overrides, app.jinja_env.loader]))
        app.extensions["myportal.legal_texts"] = environment
    return environment


def _day(value: str) -> str:
    """A configured day (aaaa-mm-gg) as the portal writes it (gg/mm/aaaa); other text as it is."""
    try:
        return numeric_date(date.fromisoformat(value))
    except ValueError:
        return value


def duration(value: timedelta) -> str:
    """``31 giorni``, ``12 ore``, ``30 minuti``: the largest whole unit of ``value``."""
    seconds = int(value.total_seconds())
    if seconds and seconds % 86400 == 0:
        return ngettext("%(num)s giorno", "%(num)s giorni", seconds // 86400)
    if seconds and seconds % 3600 == 0:
        return ngettext("%(num)s ora", "%(num)s ore", seconds // 3600)
    return ngettext("%(num)s minuto", "%(num)s minuti", max(seconds // 60, 1))


def portal_cookies(config) -> list[Cookie]:
    """The cookies the portal sets, from its configuration: only the session cookie (the log-in key, the
    forms' anti-CSRF token and the chosen language all live in it). No remember-me cookie is ever set."""
    lifetime = config["PERMANENT_SESSION_LIFETIME"]
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=int(lifetime))
    attributes = ["HttpOnly" if config["SESSION_COOKIE_HTTPONLY"] else ""]
    attributes.append(f"SameSite={config['SESSION_COOKIE_SAMESITE']}" if config["SESSION_COOKIE_SAMESITE"] else "")
    attributes.append("Secure" if config["SESSION_COOKIE_SECURE"] else "")
    return [
        Cookie(
            name=config["SESSION_COOKIE_NAME"],
            purpose=gettext(
                "Sessione: la chiave casuale che collega il browser alla sessione di accesso conservata sul server, "
                "il codice anti-contraffazione (CSRF) dei moduli, la lingua scelta e i passaggi della registrazione."
            ),
            lifetime=gettext(
                "Fino alla chiusura del browser; dopo l'accesso, %(lifetime)s. La sessione di accesso termina prima "
                "sul server: dopo %(idle)s di inattività, %(absolute)s dall'accesso o all'uscita.",
                lifetime=duration(lifetime),
                idle=duration(timedelta(minutes=config["SESSION_IDLE_MINUTES"])),
                absolute=duration(timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])),
            ),
            attributes=", ".join(item for item in attributes if item),
        )
    ]


def legal_values() -> dict:
    """What the texts say that the deploying operator configures."""
    config = current_app.config
    return {
        "controller": config["PRIVACY_CONTROLLER"],
        "controller_address": config["PRIVACY_CONTROLLER_ADDRESS"],
        "controller_vat": config["PRIVACY_CONTROLLER_VAT"],
        "contact_email": config["PRIVACY_CONTACT_EMAIL"],
        "dpo_email": config["PRIVACY_DPO_EMAIL"],
        "support_email": config["SUPPORT_EMAIL"],
        "notice_version": config["PRIVACY_NOTICE_VERSION"],
        "notice_date": _day(config["PRIVACY_NOTICE_DATE"]),
        "transfers": config["PRIVACY_TRANSFERS"],
        "login_days": config["LOGIN_HISTORY_RETENTION_DAYS"],
        "audit_days": config["AUDIT_RETENTION_DAYS"],
        "idle": duration(timedelta(minutes=config["SESSION_IDLE_MINUTES"])),
        "absolute": duration(timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])),
        "portal_url": config["PORTAL_BASE_URL"],
        "cookies": portal_cookies(config),
        "accessibility_status": config["ACCESSIBILITY_STATUS"],
        "accessibility_status_label": gettext(
            ACCESSIBILITY_STATUS.get(config["ACCESSIBILITY_STATUS"], ACCESSIBILITY_STATUS["parziale"])
        ),
        "declaration_date": _day(config["ACCESSIBILITY_DECLARATION_DATE"]),
        "review_date": _day(config["ACCESSIBILITY_REVIEW_DATE"]),
        "accessibility_email": config["ACCESSIBILITY_EMAIL"],
        "agid_url": config["ACCESSIBILITY_AGID_URL"],
        "published_url": config["ACCESSIBILITY_PUBLISHED_URL"],
    }


def render_text(name: str) -> Markup:
    """The body of the legal text ``name`` in the request's language: the operator's own file when there is
    one (``<instance>/templates/privacy/texts/<name>.<lang>.html``, then ``<name>.html``), else the shipped one."""
    if name not in TEXTS:
        raise KeyError(name)
    environment = _environment(current_app)
    template = environment.select_template([f"privacy/texts/{name}.{get_locale()}.html", f"privacy/texts/{name}.html"])
    context = legal_values()
    current_app.update_template_context(context)
    return Markup(template.render(context))  # noqa: S704 (an autoescaped template)
