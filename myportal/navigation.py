"""The menu of the areas that exist, by role, grouped as in the portal's "Menu generale"."""

from flask import current_app, url_for

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


def menu_for(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section, [(label, url), ...]), ...] of the entries ``user`` may open."""
    if not user.is_authenticated:
        return []
    sections: dict[str, list] = {}
    for section, label, endpoint, roles, *arguments in ENTRIES:
        if user.role in roles and endpoint in current_app.view_functions:
            url = url_for(endpoint, **(arguments[0] if arguments else {}))
            sections.setdefault(section, []).append((label, url))
    return list(sections.items())
