"""The legal pages: what they say comes from the configuration, the operator can replace each text, the
footer links them on every page, the cookie statement lists exactly the cookies the portal sets, and the
accessibility feedback leads to a ticket."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from config import TestingConfig
from myportal import create_app
from myportal.tickets.models import Ticket
from tests.conftest import DEFAULT_PASSWORD, login, page_text, submit

PAGES = {
    "/privacy": "Informativa privacy",
    "/note-legali": "Note legali",
    "/cookie": "Cookie",
    "/accessibilita": "Dichiarazione di accessibilità",
}


@pytest.mark.parametrize(("url", "title"), PAGES.items())
def test_each_legal_page_is_public_and_linked_from_the_footer(client, url, title):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in page_text(response)
    footer = page_text(client.get("/accedi")).split('<footer class="footer">')[1]
    assert f'href="{url}"' in footer


def test_the_footer_links_them_for_a_logged_in_user_too(client, make_user):
    login(client, make_user("operator").username)
    footer = page_text(client.get("/fatture")).split('<footer class="footer">')[1]
    assert all(f'href="{url}"' in footer for url in PAGES)


def test_the_notice_has_every_element_of_article_13(client, app):
    text = page_text(client.get("/privacy"))
    config = app.config
    for expected in (
        config["PRIVACY_CONTROLLER"],
        config["PRIVACY_CONTROLLER_ADDRESS"],
        config["PRIVACY_DPO_EMAIL"],
        f"Versione {config['PRIVACY_NOTICE_VERSION']} del 02/12/2026",
        "art. 6, par. 1, lett. b",  # purposes and legal bases
        "legittimo interesse",
        "Chi riceve i dati",  # recipients
        "Trasferimenti fuori dallo Spazio economico europeo",
        f"{config['LOGIN_HISTORY_RETENTION_DAYS']} giorni",  # retention
        f"{config['AUDIT_RETENTION_DAYS']} giorni",
        "dieci anni (art. 2220 del codice civile)",
        "portabilità (art. 20)",  # rights
        "Garante per la protezione dei dati personali",  # complaint
        'href="/i-miei-dati"',
        'href="/i-miei-dati/chiusura-account"',
    ):
        assert expected in text, expected


def _app(tmp_path, monkeypatch, **settings):
    """An app of its own: another instance folder or other settings (no database needed for public pages)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'pages.sqlite3'}"

    for name, value in settings.items():
        setattr(Config, name, value)
    return create_app(Config)


def test_the_values_come_from_the_configuration(tmp_path, monkeypatch):
    app = _app(
        tmp_path,
        monkeypatch,
        PRIVACY_CONTROLLER="Rete Elettrica Esempio S.p.A.",
        PRIVACY_DPO_EMAIL="rpd@rete.example",
        PRIVACY_NOTICE_VERSION="3.2",
        PRIVACY_NOTICE_DATE="2027-01-15",
        PRIVACY_TRANSFERS="Il fornitore di posta ha sede negli Stati Uniti (clausole contrattuali tipo).",
        LOGIN_HISTORY_RETENTION_DAYS=200,
        ACCESSIBILITY_STATUS="conforme",
    )
    client = app.test_client()
    notice = page_text(client.get("/privacy"))
    assert "Rete Elettrica Esempio S.p.A." in notice and "rpd@rete.example" in notice
    assert "Versione 3.2 del 15/01/2027" in notice
    assert "clausole contrattuali tipo" in notice and "non sono previsti trasferimenti" not in notice
    assert "200 giorni" in notice
    declaration = page_text(client.get("/accessibilita"))
    assert "<strong>conforme</strong>" in declaration and "Contenuti non accessibili" not in declaration
    # The acknowledgement box of the forms names the same version.
    assert "versione 3.2" in page_text(client.get("/registrazione/nuovo-utente"))


def test_the_operator_replaces_a_text_under_the_instance_folder(tmp_path, monkeypatch):
    texts = tmp_path / "templates" / "privacy" / "texts"
    texts.mkdir(parents=True)
    (texts / "note_legali.html").write_text("<p>Testo dei nostri legali per {{ controller }}.</p>", encoding="utf-8")
    (texts / "informativa.en.html").write_text("<p>Our own notice, version {{ notice_version }}.</p>", encoding="utf-8")
    client = _app(tmp_path, monkeypatch, PRIVACY_CONTROLLER="Rete Esempio").test_client()
    assert "Testo dei nostri legali per Rete Esempio." in page_text(client.get("/note-legali"))
    italian = page_text(client.get("/privacy"))
    assert "Titolare del trattamento" in italian and "Our own notice" not in italian  # no Italian file: shipped
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "Our own notice, version 1.0." in page_text(client.get("/privacy"))


def test_an_overriding_text_is_autoescaped(tmp_path, monkeypatch):
    texts = tmp_path / "templates" / "privacy" / "texts"
    texts.mkdir(parents=True)
    (texts / "note_legali.html").write_text("<p>{{ controller }}</p>", encoding="utf-8")
    client = _app(tmp_path, monkeypatch, PRIVACY_CONTROLLER="<script>x</script>").test_client()
    assert "&lt;script&gt;x&lt;/script&gt;" in client.get("/note-legali").get_data(as_text=True)


# --- cookies -------------------------------------------------------------------------------------------------


def _cookie_names(response) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_the_cookie_statement_lists_every_cookie_the_portal_sets(app, client, make_user, mailbox):
    """Walk through the pages that set cookies (forms, log-in, a registration match, log-out) and compare what
    the browser received with the table of the statement."""
    user = make_user("operator")
    seen = set()
    for url in ("/", "/accedi", "/registrazione/nuovo-utente", "/cookie"):
        seen |= _cookie_names(client.get(url))
    seen |= _cookie_names(login(client, user.username))
    for url in ("/fatture", "/dati-anagrafici", "/i-miei-dati"):
        seen |= _cookie_names(client.get(url))
    seen |= _cookie_names(submit(client, "/esci", {}, page="/fatture"))
    statement = page_text(client.get("/cookie"))
    listed = set(re.findall(r'<h3 class="cookie-name"><code>([^<]+)</code></h3>', statement))
    assert seen and seen <= listed, (seen, listed)
    assert listed == {app.config["SESSION_COOKIE_NAME"]}
    assert "nessun banner" in statement.lower() or "non mostra un banner" in statement


def test_the_cookie_lifetimes_are_read_from_the_configuration(tmp_path, monkeypatch):
    client = _app(
        tmp_path,
        monkeypatch,
        SESSION_COOKIE_NAME="portale",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_IDLE_MINUTES=20,
        SESSION_COOKIE_SECURE=True,
    ).test_client()
    statement = page_text(client.get("/cookie"))
    assert "<code>portale</code>" in statement
    assert "dopo l'accesso, 12 ore" in statement and "dopo 20 minuti di inattività" in statement
    assert "HttpOnly, SameSite=Lax, Secure" in statement


# --- accessibility feedback ----------------------------------------------------------------------------------


def test_the_declaration_follows_agids_model(client, app):
    text = page_text(client.get("/accessibilita"))
    for section in (
        "Stato di conformità",
        "Contenuti non accessibili",
        "Redazione della dichiarazione",
        "Meccanismo di feedback",
        "Procedura di attuazione",
    ):
        assert section in text
    assert 'href="/accessibilita/segnalazione"' in text
    assert app.config["ACCESSIBILITY_EMAIL"] in text and app.config["ACCESSIBILITY_AGID_URL"] in text
    assert "entro il 23 settembre" in text


def test_a_visitor_is_asked_to_log_in_or_given_the_contacts(client, app):
    text = page_text(client.get("/accessibilita/segnalazione"))
    assert 'href="/accedi?next=/accessibilita/segnalazione"' in text
    assert app.config["ACCESSIBILITY_EMAIL"] in text and "800.999.333" in text


def test_staff_have_no_operator_and_get_the_contacts(client, make_user):
    login(client, make_user("support", False).username)
    text = page_text(client.get("/accessibilita/segnalazione"))
    assert "Accedi e apri la segnalazione" not in text and "800.999.333" in text


def test_an_operators_feedback_opens_a_ticket(client, make_user, dbs, mailbox):
    user = make_user("operator")
    response = login(client, user.username)
    response = client.get("/accessibilita/segnalazione")
    assert response.status_code == 302
    target = urlparse(response.headers["Location"])
    assert target.path == "/ticket/nuovo"
    query = parse_qs(target.query)
    assert query["category"] == ["accesso"] and query["subject"] == ["Segnalazione di accessibilità"]
    form = page_text(client.get(response.headers["Location"]))
    assert 'value="Segnalazione di accessibilità"' in form and "Cosa non ha funzionato" in form
    response = submit(
        client,
        "/ticket/nuovo",
        {"category": "accesso", "subject": "Segnalazione di accessibilità", "body": "Il grafico non ha testo."},
        page=response.headers["Location"],
    )
    assert response.status_code == 302
    ticket = dbs.scalar(select(Ticket).where(Ticket.created_by_id == user.id))
    assert ticket.subject == "Segnalazione di accessibilità" and ticket.category == "accesso"


def test_the_log_in_link_comes_back_to_the_feedback(client, make_user):
    user = make_user("operator")
    response = submit(
        client, "/accedi?next=/accessibilita/segnalazione", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/accessibilita/segnalazione"


# --- notes under the forms that collect personal data ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/registrazione/credenziali-legacy",
        "/registrazione/pratica-geco",
        "/registrazione/codice-cliente",
        "/registrazione/nuovo-utente",
    ],
)
def test_the_registration_forms_link_the_notice(client, url):
    assert 'href="/privacy"' in page_text(client.get(url)).split("<footer")[0]


@pytest.mark.parametrize("url", ["/dati-anagrafici", "/ticket/nuovo", "/utenti-aziendali/invita"])
def test_the_operators_forms_link_the_notice(client, make_user, url):
    login(client, make_user("operator_admin").username)
    text = page_text(client.get(url))
    assert "informativa privacy" in text and 'href="/privacy"' in text.split("<footer")[0]
