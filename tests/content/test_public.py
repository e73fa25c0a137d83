"""Public pages: news, contacts and FAQ, open to anonymous users."""

from tests.conftest import page_text
from tests.content import add_news


def test_news_list_is_public_newest_first_and_hides_drafts(client, dbs):
    add_news(dbs, title="Asta madre: calendario", days_ago=5)
    add_news(dbs, title="Manutenzione programmata", days_ago=1)
    add_news(dbs, title="Bozza riservata", published=False)
    response = client.get("/notizie")
    page = page_text(response)
    assert response.status_code == 200
    assert page.index("Manutenzione programmata") < page.index("Asta madre: calendario")
    assert "Bozza riservata" not in page


def test_news_list_empty_state(client):
    assert "Nessuna notizia pubblicata" in page_text(client.get("/notizie"))


def test_news_list_is_paginated(client, dbs, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for number in range(3):
        add_news(dbs, title=f"Notizia numero {number}", days_ago=number)
    first = page_text(client.get("/notizie"))
    second = page_text(client.get("/notizie?page=2"))
    assert "Notizia numero 0" in first and "Notizia numero 2" not in first
    assert "Pagina 1 di 2" in first
    assert "Notizia numero 2" in second


def test_news_detail_is_public(client, dbs):
    news = add_news(dbs, title="GSTAT: scadenze", body="Primo paragrafo.\n\nSecondo paragrafo.")
    response = client.get(f"/notizie/{news.id}")
    page = page_text(response)
    assert response.status_code == 200
    assert "GSTAT: scadenze" in page
    assert "<p>Primo paragrafo.</p>" in page and "<p>Secondo paragrafo.</p>" in page


def test_unpublished_or_missing_news_is_404(client, dbs, login_as, make_user):
    draft = add_news(dbs, title="Bozza", published=False)
    assert client.get(f"/notizie/{draft.id}").status_code == 404
    assert client.get("/notizie/999999").status_code == 404
    login_as(make_user(role="operator"))
    assert client.get(f"/notizie/{draft.id}").status_code == 404


def test_news_visible_to_logged_in_operator(client, dbs, login_as, make_user):
    add_news(dbs, title="Nuove funzioni del portale")
    login_as(make_user(role="operator"))
    assert "Nuove funzioni del portale" in page_text(client.get("/notizie"))


def test_contacts_page_is_public_with_tel_links(client):
    response = client.get("/contatti")
    page = page_text(response)
    assert response.status_code == 200
    for number, link in [
        ("800.999.666", "tel:+39800999666"),
        ("800.999.333", "tel:+39800999333"),
        ("+39 06 83138111", "tel:+390683138111"),
    ]:
        assert number in page and f'href="{link}"' in page
    assert "Pronto intervento" in page
    assert "Assistenza portale My Terna e Gaudì" in page
    assert "Viale Egidio Galbani 70, 00156 Roma" in page


def test_faq_is_public_and_covers_the_guide(client):
    response = client.get("/faq")
    page = page_text(response)
    assert response.status_code == 200
    assert page.count("<details") >= 10 and "<script" not in page
    for words in [
        "codice cliente",
        "sei cifre",
        "Hai dimenticato la password",
        "Punto di fornitura",
        "dal 2014",
        "Prelievi fatturati",
        "punto e virgola",
        "F1, F2 e F3",
        "16,5 kW",
        "telegestito",
        "Ticket",
        "800.999.333",
        "Ge.Co.",
    ]:
        assert words in page, words
