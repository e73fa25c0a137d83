"""The menu of the areas that exist, by role, grouped as in the portal's "Menu generale"."""

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext

OPERATOR_ROLES = ("operator", "operator_admin")
STAFF = ("support", "admin")
ALL = OPERATOR_ROLES + STAFF

# (section, label, endpoint, roles[, url arguments]): an entry shows only to its roles and only once its
# endpoint exists.
ENTRIES = [
    ("Menu generale", "Home page", "operators.home", ALL),
    ("Menu generale", "Elenco fatture", "invoicing.invoices", OPERATOR_ROLES),
    ("Menu generale", "Prelievi fatturati", "invoicing.withdrawals", OPERATOR_ROLES),
    ("Menu generale", "Punti di fornitura", "contracts.supply_points", OPERATOR_ROLES),
    ("Menu generale", "Contratti", "contracts.contracts", OPERATOR_ROLES),
    ("Menu generale", "Dati tecnici", "contracts.technical_data", OPERATOR_ROLES),
    ("Menu generale", "Dati contrattuali", "contracts.contract_data", OPERATOR_ROLES),
    ("Menu generale", "Misure elettriche", "contracts.measurements", OPERATOR_ROLES),
    ("Menu generale", "Autolettura contatore", "contracts.self_reading", OPERATOR_ROLES),
    ("Menu generale", "Dati anagrafici", "operators.profile", OPERATOR_ROLES),
    ("Menu generale", "Utenti aziendali", "operators.company_users", ("operator_admin",)),
    ("Menu generale", "Ticket", "tickets.index", OPERATOR_ROLES),
    ("Menu generale", "I miei documenti", "content.my_documents", OPERATOR_ROLES),
    ("Servizi di mercato", "Garanzie finanziarie", "guarantees.index", OPERATOR_ROLES),
    ("Servizi di mercato", "Aste e procedure competitive", "auctions.index", OPERATOR_ROLES),
    ("Servizi di mercato", "Codici EIC", "eic.index", OPERATOR_ROLES),
    ("Servizi di mercato", "Statistiche GSTAT", "gstat.index", OPERATOR_ROLES),
    ("Servizi di mercato", "Richieste di connessione", "connections.index", OPERATOR_ROLES),
    ("Menu generale", "Cambio password", "auth.change_password", ALL),
    ("Menu generale", "Verifica in due passaggi", "auth.mfa_settings", ALL),
    ("Back office", "Richieste di registrazione", "admin.requests", ("admin",)),
    ("Back office", "Utenti", "admin.users", ("admin",)),
    ("Back office", "Ricerca operatori", "support.search", STAFF),
    ("Back office", "Ticket degli operatori", "tickets.staff_index", STAFF),
    ("Back office", "Pubblicazione notizie", "content.admin_news", ("admin",)),
    ("Back office", "Pubblicazione documenti", "content.admin_documents", ("admin",)),
    ("Back office", "Garanzie ed esposizione", "guarantees.admin_index", ("admin",)),
    ("Back office", "Aste e iscrizioni", "auctions.admin_index", ("admin",)),
    ("Back office", "Richieste codici EIC", "eic.admin_queue", ("admin",)),
    ("Back office", "Registro EIC", "eic.admin_register", ("admin",)),
    ("Back office", "GSTAT: report mancanti", "gstat.admin_missing", ("admin",)),
    ("Back office", "GSTAT: impianti", "gstat.admin_plants", ("admin",)),
    ("Back office", "Registro attività", "admin.audit_log", ("admin",)),
    ("Back office", "Posta in uscita", "admin.outbox", ("admin",)),
    ("Documentazione Generica", "Modulistica", "content.library", ALL, {"category": "modulistica"}),
    ("Documentazione Generica", "Normative", "content.library", ALL, {"category": "normative"}),
    ("Documentazione Generica", "Comunicati", "content.library", ALL, {"category": "comunicati"}),
    ("Documentazione Generica", "Informazioni", "content.library", ALL, {"category": "informazioni"}),
    ("Documentazione Generica", "Storico", "content.library", ALL, {"category": "storico"}),
    ("Informazioni", "Notizie", "content.news_list", ALL),
    ("Informazioni", "Domande frequenti", "content.faq", ALL),
    ("Informazioni", "Contatti", "content.contacts", ALL),
]


Menu = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

# Menus kept per application: roles × languages × mount points, bounded since the mount point comes from the
# request (X-Forwarded-Prefix behind a proxy).
CACHED_MENUS = 32


def menu_for(user) -> Menu:
    """((section, ((label, url), ...)), ...) of the entries ``user`` may open, labels translated.

    Built once per role, language and mount point (SCRIPT_NAME) and then reused: the entries, the endpoints
    and their URLs do not change while the application runs."""
    if not user.is_authenticated:
        return ()
    key = (user.role, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("myportal.menu", {})
    menu = cache.get(key)
    if menu is None:
        menu = _build_menu(user.role)
        if len(cache) < CACHED_MENUS:
            cache[key] = menu
    return menu


def _build_menu(role: str) -> Menu:
    sections: dict[str, list] = {}
    for section, label, endpoint, roles, *arguments in ENTRIES:
        if role in roles and endpoint in current_app.view_functions:
            url = url_for(endpoint, **(arguments[0] if arguments else {}))
            sections.setdefault(gettext(section), []).append((gettext(label), url))
    return tuple((section, tuple(entries)) for section, entries in sections.items())
