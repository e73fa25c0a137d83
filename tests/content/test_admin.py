"""Publishing by administrators: news and documents, with every bad input of the upload form."""

import io
import zipfile

import pytest
from sqlalchemy import select

from myportal.content.models import Document, NewsItem
from myportal.security.models import AuditEvent
from tests.conftest import csrf_from, field_error, make_vat, page_text, submit
from tests.content import PDF_BYTES, add_document, add_news

NEW_DOCUMENT = "/admin/contenuti/documenti/nuovo"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WRONG_CHECK_DIGIT = make_vat(4321)[:10] + str((int(make_vat(4321)[10]) + 1) % 10)


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def admin(client, login_as, make_user):
    user = make_user(role="admin")
    login_as(user)
    return user


def upload(client, *, data: bytes = PDF_BYTES, filename: str = "modulo.pdf", **fields):
    form = {"title": "Modulo di adesione", "description": "", "category": "modulistica", "operator_vat": ""}
    form.update(fields)
    return submit(client, NEW_DOCUMENT, {**form, "file": (io.BytesIO(data), filename)})


def events(dbs, name: str) -> list[AuditEvent]:
    return dbs.scalars(select(AuditEvent).where(AuditEvent.event == name))


# --- access ------------------------------------------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/contenuti",
    "/admin/contenuti/notizie",
    "/admin/contenuti/notizie/nuova",
    "/admin/contenuti/notizie/1/modifica",
    "/admin/contenuti/notizie/1/elimina",
    "/admin/contenuti/documenti",
    NEW_DOCUMENT,
    "/admin/contenuti/documenti/1/elimina",
    "/admin/contenuti/documenti/1/scarica",
]
ADMIN_POSTS = [
    "/admin/contenuti/notizie/1/pubblica",
    "/admin/contenuti/notizie/1/ritira",
    "/admin/contenuti/notizie/1/elimina",
    "/admin/contenuti/documenti/1/elimina",
]


@pytest.mark.parametrize("role", ["operator", "operator_admin", "support"])
def test_non_admins_get_403(client, login_as, make_user, dbs, role):
    news = add_news(dbs, title="Da non toccare")
    login_as(make_user(role=role))
    token = csrf_from(client.get("/cambio-password").get_data(as_text=True))
    for url in ADMIN_PAGES:
        assert client.get(url.replace("/1/", f"/{news.id}/")).status_code == 403, url
    for url in ADMIN_POSTS:
        response = client.post(url.replace("/1/", f"/{news.id}/"), data={"csrf_token": token})
        assert response.status_code == 403, url
    assert dbs.get(NewsItem, news.id).published


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/contenuti/notizie")
    assert response.status_code == 302 and "/accedi" in response.headers["Location"]


# --- news --------------------------------------------------------------------------------------------------


def test_create_news_as_draft_then_publish_unpublish(client, dbs, admin):
    response = submit(
        client,
        "/admin/contenuti/notizie/nuova",
        {
            "title": "Aste CCC: iscrizioni aperte",
            "summary": "Prodotti da 1 MW.",
            "body": "Testo.",
        },
        follow_redirects=True,
    )
    assert "Notizia salvata come bozza" in page_text(response)
    news = dbs.scalar(select(NewsItem).where(NewsItem.title == "Aste CCC: iscrizioni aperte"))
    assert not news.published and news.published_at is None and news.created_by == admin.id
    assert client.get(f"/notizie/{news.id}").status_code == 404

    response = submit(
        client,
        f"/admin/contenuti/notizie/{news.id}/pubblica",
        {},
        page="/admin/contenuti/notizie",
        follow_redirects=True,
    )
    assert "Notizia pubblicata" in page_text(response)
    assert dbs.get(NewsItem, news.id).published_at is not None
    assert client.get(f"/notizie/{news.id}").status_code == 200

    response = submit(
        client, f"/admin/contenuti/notizie/{news.id}/ritira", {}, page="/admin/contenuti/notizie", follow_redirects=True
    )
    assert "Notizia ritirata" in page_text(response)
    assert not dbs.get(NewsItem, news.id).published
    assert client.get(f"/notizie/{news.id}").status_code == 404
    names = [
        e.event
        for e in dbs.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(news.id), AuditEvent.object_type == "NewsItem")
        )
    ]
    assert names == ["news.created", "news.published", "news.unpublished"]


def test_create_news_published_at_once(client, dbs, admin):
    submit(
        client,
        "/admin/contenuti/notizie/nuova",
        {
            "title": "Manutenzione programmata",
            "summary": "Sabato notte.",
            "body": "Dettagli.",
            "publish": "y",
        },
    )
    news = dbs.scalar(select(NewsItem).where(NewsItem.title == "Manutenzione programmata"))
    assert news.published and news.published_at is not None
    assert "Manutenzione programmata" in page_text(client.get("/notizie"))


def test_news_form_bad_input(client, dbs, admin):
    data = {"title": "", "summary": "x" * 501, "body": ""}
    response = submit(client, "/admin/contenuti/notizie/nuova", data)
    assert response.status_code == 200
    assert field_error(response, "title") == "Inserisci il titolo."
    assert field_error(response, "summary") == "Al massimo 500 caratteri."
    assert field_error(response, "body") == "Scrivi il testo della notizia."
    assert dbs.count(NewsItem) == 0


def test_edit_news(client, dbs, admin):
    news = add_news(dbs, title="Titolo vecchio")
    url = f"/admin/contenuti/notizie/{news.id}/modifica"
    assert 'value="Titolo vecchio"' in client.get(url).get_data(as_text=True)
    data = {"title": "Titolo nuovo", "summary": "Nuovo sommario", "body": "Nuovo testo"}
    response = submit(client, url, data, follow_redirects=True)
    assert "Notizia aggiornata" in page_text(response)
    edited = dbs.get(NewsItem, news.id)
    assert (edited.title, edited.summary, edited.body) == ("Titolo nuovo", "Nuovo sommario", "Nuovo testo")
    assert events(dbs, "news.updated")[0].details["fields"] == ["body", "summary", "title"]
    bad = submit(client, url, {"title": "", "summary": "s", "body": "b"})
    assert field_error(bad, "title") and dbs.get(NewsItem, news.id).title == "Titolo nuovo"


def test_delete_news_after_confirmation(client, dbs, admin):
    news = add_news(dbs, title="Notizia da eliminare")
    url = f"/admin/contenuti/notizie/{news.id}/elimina"
    confirm = page_text(client.get(url))
    assert "Conferma eliminazione" in confirm and "Notizia da eliminare" in confirm
    assert dbs.get(NewsItem, news.id) is not None  # GET changes nothing
    response = submit(client, url, {}, follow_redirects=True)
    assert "Notizia eliminata" in page_text(response)
    assert dbs.get(NewsItem, news.id) is None
    assert events(dbs, "news.deleted")[0].details["title"] == "Notizia da eliminare"


def test_news_actions_without_csrf_are_refused(client, dbs, admin):
    news = add_news(dbs, title="Protetta")
    assert client.post(f"/admin/contenuti/notizie/{news.id}/ritira").status_code == 400
    assert client.post(f"/admin/contenuti/notizie/{news.id}/elimina").status_code == 400
    assert dbs.get(NewsItem, news.id).published


def test_missing_news_is_404_for_admins(client, admin):
    assert client.get("/admin/contenuti/notizie/999999/modifica").status_code == 404


def test_admin_news_list_shows_drafts(client, dbs, admin):
    add_news(dbs, title="Bozza interna", published=False)
    add_news(dbs, title="Già pubblicata")
    page = page_text(client.get("/admin/contenuti/notizie"))
    assert "Bozza interna" in page and "Già pubblicata" in page and "Bozza" in page


# --- documents: good uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename,data,content_type",
    [
        ("modulo.pdf", PDF_BYTES, "application/pdf"),
        ("Modulo Adesione.PDF", PDF_BYTES, "application/pdf"),
        (
            "tabella.xlsx",
            office_file("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "lettera.docx",
            office_file("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("dati.csv", b"Mese;Energia\nGennaio;1.234,5\n", "text/csv; charset=utf-8"),
        ("nota.txt", "Comunicazione agli operatori: è così.".encode(), "text/plain; charset=utf-8"),
        ("schema.png", PNG_BYTES, "image/png"),
        ("foto.jpg", JPEG_BYTES, "image/jpeg"),
    ],
)
def test_admin_uploads_a_library_document(client, dbs, admin, filename, data, content_type):
    response = upload(
        client, data=data, filename=filename, title="Modulo di adesione", description="Da compilare e firmare."
    )
    assert response.status_code == 302
    document = dbs.scalar(select(Document))
    assert (document.category, document.operator_id) == ("modulistica", None)
    assert document.content_type == content_type
    assert document.size == len(data) and document.published_by == admin.id
    assert " " not in document.filename
    event = events(dbs, "document.published")[0]
    assert event.object_id == str(document.id) and event.user_id == admin.id
    listed = page_text(client.get("/admin/contenuti/documenti"))
    assert "Modulo di adesione" in listed
    download = client.get(f"/documenti/{document.id}/scarica")
    assert download.status_code == 200 and download.data == data


def test_admin_uploads_a_personal_document(client, dbs, admin, make_operator, make_user, login_as):
    operator = make_operator()
    response = upload(
        client,
        category="personale",
        operator_vat=f"IT {operator.vat_number}",
        title="Comunicazione riservata",
        filename="comunicazione.pdf",
    )
    assert response.status_code == 302
    client.get(response.headers["Location"])  # shows the confirmation
    document = dbs.scalar(select(Document))
    assert (document.category, document.operator_id) == ("personale", operator.id)
    assert events(dbs, "document.published")[0].operator_id == operator.id
    assert "Comunicazione riservata" not in page_text(client.get("/documenti"))
    submit(client, "/esci", {}, page="/documenti")
    login_as(make_user(role="operator", operator=operator))
    assert "Comunicazione riservata" in page_text(client.get("/i-miei-documenti"))


def test_upload_form_renders(client, admin):
    page = client.get(NEW_DOCUMENT).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'for="operator_vat"' in page and "10 MB" in page


# --- documents: bad uploads, nothing written ----------------------------------------------------------------


@pytest.mark.parametrize(
    "filename,data,message",
    [
        ("programma.exe", b"MZ\x90\x00", "Tipo di file non ammesso"),
        ("senza-estensione", PDF_BYTES, "Tipo di file non ammesso"),
        ("pagina.html", b"<html></html>", "Tipo di file non ammesso"),
        ("falso.pdf", b"<html>non sono un PDF</html>", "Il contenuto del file non è un PDF valido."),
        ("falso.docx", PDF_BYTES, "Il contenuto del file non è un DOCX valido."),
        ("scambiato.xlsx", office_file("word/document.xml"), "Il contenuto del file non è un XLSX valido."),
        ("falso.png", JPEG_BYTES, "Il contenuto del file non è un PNG valido."),
        ("falso.jpeg", PNG_BYTES, "Il contenuto del file non è un JPEG valido."),
        ("latin1.csv", "Città;Energia\n".encode("latin-1"), "Il file CSV deve essere un testo in codifica UTF-8"),
        ("binario.txt", b"abc\x00def", "Il file TXT deve essere un testo in codifica UTF-8."),
        ("vuoto.pdf", b"", "Il file è vuoto."),
    ],
)
def test_bad_files_are_refused_next_to_the_field(client, dbs, admin, filename, data, message):
    response = upload(client, data=data, filename=filename)
    assert response.status_code == 200
    assert message in field_error(response, "file")
    assert 'value="Modulo di adesione"' in response.get_data(as_text=True)  # the form keeps what was typed
    assert dbs.count(Document) == 0
    assert events(dbs, "document.published") == []


def test_missing_file_is_refused(client, dbs, admin):
    response = submit(client, NEW_DOCUMENT, {"title": "Senza file", "category": "modulistica"})
    assert response.status_code == 200
    assert field_error(response, "file") == "Scegli il file da pubblicare."
    assert dbs.count(Document) == 0


def test_file_over_the_document_limit_is_refused(client, dbs, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024)
    response = upload(client, data=PDF_BYTES + b"0" * 2048)
    assert response.status_code == 200
    assert "supera la dimensione massima" in field_error(response, "file")
    assert dbs.count(Document) == 0


def test_request_over_max_content_length_gets_the_friendly_413(client, dbs, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(client, data=PDF_BYTES + b"0" * 8192)
    assert response.status_code == 413
    page = page_text(response)
    assert "Il file inviato è troppo grande." in page and "Errore 413" in page
    assert dbs.count(Document) == 0


def test_default_limit_is_ten_megabytes(client, dbs, admin):
    response = upload(client, data=PDF_BYTES + b"0" * (10 * 1024 * 1024))
    assert response.status_code in (200, 413)
    refused = "troppo grande" in page_text(response) or "dimensione massima" in field_error(response, "file")
    assert refused
    assert dbs.count(Document) == 0


@pytest.mark.parametrize(
    "vat,message",
    [
        ("", "Indica la Partita IVA dell'operatore a cui è destinato il documento."),
        (WRONG_CHECK_DIGIT, "Partita IVA non valida: la cifra di controllo non corrisponde."),
        ("123", "La Partita IVA è composta da 11 cifre: ne hai scritte 3."),
        (make_vat(987654), "Nessun operatore registrato con questa Partita IVA."),
    ],
)
def test_personal_document_needs_a_known_operator(client, dbs, admin, vat, message):
    response = upload(client, category="personale", operator_vat=vat)
    assert response.status_code == 200
    assert field_error(response, "operator_vat") == message
    assert dbs.count(Document) == 0


def test_library_document_with_a_vat_number_is_refused(client, dbs, admin, make_operator):
    operator = make_operator()
    response = upload(client, category="normative", operator_vat=operator.vat_number)
    assert "solo per un documento personale" in field_error(response, "operator_vat")
    assert dbs.count(Document) == 0


def test_title_and_category_are_required(client, dbs, admin):
    response = upload(client, title="", category="")
    assert field_error(response, "title") == "Inserisci il titolo."
    assert field_error(response, "category") == "Scegli una categoria."
    assert dbs.count(Document) == 0
    response = upload(client, category="riservati")
    assert "opzione valida" in field_error(response, "category")
    assert dbs.count(Document) == 0


# --- documents: list, download, delete ----------------------------------------------------------------------


def test_admin_list_filters_and_downloads_personal_documents(client, dbs, admin, make_operator):
    operator = make_operator()
    personal = add_document(dbs, category="personale", operator=operator, title="Per un operatore")
    add_document(dbs, category="storico", title="Archivio")
    page = page_text(client.get("/admin/contenuti/documenti?category=personale"))
    assert "Per un operatore" in page and operator.name in page and "Archivio" not in page
    response = client.get(f"/admin/contenuti/documenti/{personal.id}/scarica")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")


def test_delete_document_after_confirmation(client, dbs, admin):
    document = add_document(dbs, category="comunicati", title="Comunicato superato")
    url = f"/admin/contenuti/documenti/{document.id}/elimina"
    confirm = page_text(client.get(url))
    assert "Comunicato superato" in confirm and "Conferma eliminazione" in confirm
    assert dbs.get(Document, document.id) is not None
    response = submit(client, url, {}, follow_redirects=True)
    assert "Documento eliminato" in page_text(response)
    assert dbs.get(Document, document.id) is None
    assert events(dbs, "document.deleted")[0].details["title"] == "Comunicato superato"
    assert client.get(f"/documenti/{document.id}/scarica").status_code == 404
