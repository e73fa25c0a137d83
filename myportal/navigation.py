"""The menu of the areas that exist, by role, grouped as in the portal's "Menu generale"."""

from flask import current_app, url_for

OPERATOR_ROLES = ("operator", "operator_admin")
STAFF = ("support", "admin")
ALL = OPERATOR_ROLES + STAFF

# (section, label, endpoint, roles): an entry shows only to its roles and only once its endpoint exists.
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
    ("Menu generale", "Ticket", "tickets.tickets", OPERATOR_ROLES),
    ("Menu generale", "I miei documenti", "content.my_documents", OPERATOR_ROLES),
    ("Menu generale", "Cambio password", "auth.change_password", ALL),
    ("Back office", "Richieste di registrazione", "admin.requests", ("admin",)),
    ("Back office", "Utenti", "admin.users", ("admin",)),
    ("Back office", "Ricerca operatori", "support.search", STAFF),
    ("Back office", "Ticket", "tickets.staff_tickets", STAFF),
    ("Back office", "Contenuti", "content.admin_news", ("admin",)),
    ("Back office", "Registro attività", "admin.audit_log", ("admin",)),
    ("Back office", "Posta in uscita", "admin.outbox", ("admin",)),
    ("Documentazione Generica", "Documenti", "content.library", ALL),
    ("Documentazione Generica", "Notizie", "content.news", ALL),
    ("Documentazione Generica", "Domande frequenti", "content.faq", ALL),
    ("Documentazione Generica", "Contatti", "content.contacts", ALL),
]


def menu_for(user) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(section, [(label, endpoint, url), ...]), ...] of the entries ``user`` may open."""
    if not user.is_authenticated:
        return []
    sections: dict[str, list] = {}
    for section, label, endpoint, roles in ENTRIES:
        if user.role in roles and endpoint in current_app.view_functions:
            sections.setdefault(section, []).append((label, endpoint, url_for(endpoint)))
    return list(sections.items())
