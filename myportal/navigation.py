"""The menu of the areas that exist, by role, grouped as in the portal's "Menu generale"."""

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from .security.access import ADMIN, OPERATOR, OPERATOR_ADMIN, STAFF

ALL = OPERATOR + STAFF

# (section, label, endpoint, roles[, url arguments]): an entry shows only to its roles and only once its
# endpoint exists.
ENTRIES = [
    ("Menu generale", "Home page", "operators.home", ALL),
    ("Menu generale", "Elenco fatture", "invoicing.invoices", OPERATOR),
    ("Menu generale", "Prelievi fatturati", "invoicing.withdrawals", OPERATOR),
    ("Menu generale", "Punti di fornitura", "contracts.supply_points", OPERATOR),
    ("Menu generale", "Contratti", "contracts.contracts", OPERATOR),
    ("Menu generale", "Dati tecnici", "contracts.technical_data", OPERATOR),
    ("Menu generale", "Dati contrattuali", "contracts.contract_data", OPERATOR),
    ("Menu generale", "Misure elettriche", "contracts.measurements", OPERATOR),
    ("Menu generale", "Autolettura contatore", "contracts.self_reading", OPERATOR),
    ("Menu generale", "Dati anagrafici", "operators.profile", OPERATOR),
    ("Menu generale", "Utenti aziendali", "operators.company_users", OPERATOR_ADMIN),
    ("Menu generale", "Ticket", "tickets.index", OPERATOR),
    ("Menu generale", "I miei documenti", "content.my_documents", OPERATOR),
    ("Servizi di mercato", "Garanzie finanziarie", "guarantees.index", OPERATOR),
    ("Servizi di mercato", "Aste e procedure competitive", "auctions.index", OPERATOR),
    ("Servizi di mercato", "Codici EIC", "eic.index", OPERATOR),
    ("Servizi di mercato", "Statistiche GSTAT", "gstat.index", OPERATOR),
    ("Servizi di mercato", "Richieste di connessione", "connections.index", OPERATOR),
    ("Menu generale", "Cambio password", "auth.change_password", ALL),
    ("Menu generale", "Verifica in due passaggi", "auth.mfa_settings", ALL),
    ("Menu generale", "I miei dati", "privacy.my_data", ALL),
    ("Back office", "Richieste di registrazione", "admin.requests", ADMIN),
    ("Back office", "Richieste di adesione", "admin.joins", ADMIN),
    ("Back office", "Utenti", "admin.users", ADMIN),
    ("Back office", "Ricerca operatori", "support.search", STAFF),
    ("Back office", "Ticket degli operatori", "tickets.staff_index", STAFF),
    ("Back office", "Pubblicazione notizie", "content.admin_news", ADMIN),
    ("Back office", "Pubblicazione documenti", "content.admin_documents", ADMIN),
    ("Back office", "Garanzie ed esposizione", "guarantees.admin_index", ADMIN),
    ("Back office", "Aste e iscrizioni", "auctions.admin_index", ADMIN),
    ("Back office", "Richieste codici EIC", "eic.admin_queue", ADMIN),
    ("Back office", "Registro EIC", "eic.admin_register", ADMIN),
    ("Back office", "GSTAT: report mancanti", "gstat.admin_missing", ADMIN),
    ("Back office", "GSTAT: impianti", "gstat.admin_plants", ADMIN),
    ("Back office", "Registro attività", "admin.audit_log", ADMIN),
    ("Back office", "Posta in uscita", "admin.outbox", ADMIN),
    ("Back office", "Chiusure account", "privacy.admin_closures", ADMIN),
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


def menu_html(user) -> Markup:
    """The menu as HTML, the entry of the current page marked ``aria-current``; built once per role, language
    and mount point like :func:`menu_for` (a page renders it without a template loop of 40 entries)."""
    if not user.is_authenticated:
        return Markup("")
    key = ("html", user.role, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("myportal.menu", {})
    html = cache.get(key)
    if html is None:
        html = _menu_markup(menu_for(user))
        if len(cache) < CACHED_MENUS:
            cache[key] = html
    link = f'<a href="{escape(request.path)}">'
    if link in html:
        html = Markup(str(html).replace(link, f'<a href="{escape(request.path)}" aria-current="page">', 1))  # noqa: S704 (escaped)
    return html


def _menu_markup(menu: Menu) -> Markup:
    parts = [f'<nav class="menu" aria-label="{escape(gettext("Menu"))}">']
    for section, entries in menu:
        parts.append(f"<h2>{escape(section)}</h2><ul>")
        parts += [f'<li><a href="{escape(url)}">{escape(label)}</a></li>' for label, url in entries]
        parts.append("</ul>")
    parts.append("</nav>")
    return Markup("\n".join(parts))  # noqa: S704 (every piece escaped)


def fragment(template: str) -> Markup:
    """A partial that depends only on the language and the mount point (the footer), rendered once per both."""
    key = ("fragment", template, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("myportal.menu", {})
    html = cache.get(key)
    if html is None:
        html = Markup(render_template(template))  # noqa: S704 (an autoescaped template)
        if len(cache) < CACHED_MENUS * 4:
            cache[key] = html
    return html


def _build_menu(role: str) -> Menu:
    sections: dict[str, list] = {}
    for section, label, endpoint, roles, *arguments in ENTRIES:
        if role in roles and endpoint in current_app.view_functions:
            url = url_for(endpoint, **(arguments[0] if arguments else {}))
            sections.setdefault(gettext(section), []).append((gettext(label), url))
    return tuple((section, tuple(entries)) for section, entries in sections.items())
