"""The menu of the areas that exist, by role."""

from flask import url_for

MENUS = {
    "operator": [("Home page", "operators.home"), ("Dati anagrafici", "operators.profile"),
                 ("Cambio password", "auth.change_password")],
    "operator_admin": [("Home page", "operators.home"), ("Dati anagrafici", "operators.profile"),
                       ("Utenti aziendali", "operators.company_users"), ("Cambio password", "auth.change_password")],
    "support": [("Home page", "operators.home"), ("Ricerca operatori", "support.search"),
                ("Cambio password", "auth.change_password")],
    "admin": [("Home page", "operators.home"), ("Richieste di registrazione", "admin.requests"),
              ("Utenti", "admin.users"), ("Registro attività", "admin.audit_log"),
              ("Posta in uscita", "admin.outbox"), ("Ricerca operatori", "support.search"),
              ("Cambio password", "auth.change_password")],
}


def menu_for(user) -> list[tuple[str, str, str]]:
    """(label, endpoint, url) of each menu entry the user may open."""
    if not user.is_authenticated:
        return []
    return [(label, endpoint, url_for(endpoint)) for label, endpoint in MENUS.get(user.role, [])]
