"""Views of content: news, the document library, I miei documenti, contacts, FAQ and their publishing."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..downloads import send_stored_file
from ..extensions import db
from ..forms import form_values, refusals
from ..pages import acting_user, paginate
from ..security.access import admin_required, get_owned_or_404, operator_required
from . import bp
from .forms import DocumentForm, NewNewsForm, NewsForm
from .models import CATEGORY_LABELS, LIBRARY_CATEGORIES, Document, NewsItem
from .services import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    all_documents,
    all_news,
    create_news,
    delete_document,
    delete_news,
    find_published_news,
    library_documents,
    operator_documents,
    publish_document,
    publish_news,
    published_news,
    unpublish_news,
    update_news,
)


def _max_document_bytes() -> int:
    return current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)


def _send_document(document: Document):
    return send_stored_file(document.data, document.content_type, document.filename)


# --- public pages ----------------------------------------------------------------------------------------


@bp.route("/notizie")
def news_list():
    return render_template("content/news_list.html", page=paginate(published_news()))


@bp.route("/notizie/<int:news_id>")
def news_detail(news_id: int):
    news = find_published_news(news_id)
    if news is None:
        abort(404)
    return render_template("content/news_detail.html", news=news)


@bp.route("/contatti")
def contacts():
    return render_template("content/contacts.html")


@bp.route("/faq")
def faq():
    return render_template("content/faq.html")


# --- documents ---------------------------------------------------------------------------------------------


@bp.route("/documenti", defaults={"category": None})
@bp.route("/documenti/<category>")
@login_required
def library(category: str | None):
    if category is not None and category not in LIBRARY_CATEGORIES:
        abort(404)
    return render_template(
        "content/library.html",
        page=paginate(library_documents(category)),
        category=category,
        categories=LIBRARY_CATEGORIES,
    )


@bp.route("/documenti/<int:document_id>/scarica")
@login_required
def download(document_id: int):
    document = db.get_or_404(Document, document_id)
    if document.is_personal:
        document = get_owned_or_404(Document, document_id)
    return _send_document(document)


@bp.route("/i-miei-documenti")
@operator_required
def my_documents():
    return render_template("content/my_documents.html", page=paginate(operator_documents(current_user.operator_id)))


# --- publishing: news ---------------------------------------------------------------------------------------


@bp.route("/admin/contenuti")
@admin_required
def admin_index():
    return redirect(url_for("content.admin_news"))


@bp.route("/admin/contenuti/notizie")
@admin_required
def admin_news():
    return render_template("content/admin_news.html", page=paginate(all_news()))


@bp.route("/admin/contenuti/notizie/nuova", methods=["GET", "POST"])
@admin_required
def admin_news_new():
    form = NewNewsForm()
    if form.validate_on_submit():
        news = create_news(acting_user(), **form_values(form))
        flash("Notizia pubblicata." if news.published else "Notizia salvata come bozza.", "success")
        return redirect(url_for("content.admin_news"))
    return render_template("content/admin_news_form.html", form=form, news=None)


@bp.route("/admin/contenuti/notizie/<int:news_id>/modifica", methods=["GET", "POST"])
@admin_required
def admin_news_edit(news_id: int):
    news = db.get_or_404(NewsItem, news_id)
    form = NewsForm(obj=news)
    if form.validate_on_submit():
        update_news(news, acting_user(), **form_values(form))
        flash("Notizia aggiornata.", "success")
        return redirect(url_for("content.admin_news"))
    return render_template("content/admin_news_form.html", form=form, news=news)


@bp.route("/admin/contenuti/notizie/<int:news_id>/pubblica", methods=["POST"])
@admin_required
def admin_news_publish(news_id: int):
    publish_news(db.get_or_404(NewsItem, news_id), acting_user())
    flash("Notizia pubblicata: ora è visibile a tutti.", "success")
    return redirect(url_for("content.admin_news"))


@bp.route("/admin/contenuti/notizie/<int:news_id>/ritira", methods=["POST"])
@admin_required
def admin_news_unpublish(news_id: int):
    unpublish_news(db.get_or_404(NewsItem, news_id), acting_user())
    flash("Notizia ritirata: non è più visibile.", "success")
    return redirect(url_for("content.admin_news"))


@bp.route("/admin/contenuti/notizie/<int:news_id>/elimina", methods=["GET", "POST"])
@admin_required
def admin_news_delete(news_id: int):
    return _confirm_delete(
        db.get_or_404(NewsItem, news_id), "notizia", delete_news, "Notizia eliminata.", "content.admin_news"
    )


def _confirm_delete(item, what: str, delete, done: str, back: str, **shown):
    """Deleting a news item or a document: the confirmation page (GET), or ``delete`` it (POST), say ``done``
    and go ``back`` to the list."""
    if request.method == "POST":
        delete(item, acting_user())
        flash(done, "success")
        return redirect(url_for(back))
    return render_template(
        "content/admin_confirm_delete.html",
        what=what,
        title=item.title,
        action=url_for(request.endpoint, **request.view_args),
        back=url_for(back),
        **shown,
    )


# --- publishing: documents ----------------------------------------------------------------------------------


@bp.route("/admin/contenuti/documenti")
@admin_required
def admin_documents():
    category = request.args.get("category") or None
    if category not in CATEGORY_LABELS:
        category = None
    return render_template(
        "content/admin_documents.html",
        page=paginate(all_documents(category)),
        category=category,
        categories=CATEGORY_LABELS,
    )


@bp.route("/admin/contenuti/documenti/nuovo", methods=["GET", "POST"])
@admin_required
def admin_document_new():
    form = DocumentForm()
    max_bytes = _max_document_bytes()
    if form.validate_on_submit():
        upload = form.file.data
        with refusals(form) as outcome:
            document = publish_document(
                acting_user(),
                title=form.title.data,
                description=form.description.data,
                category=form.category.data,
                filename=upload.filename or "",
                data=upload.stream.read(max_bytes + 1),
                operator_vat=form.operator_vat.data,
                max_bytes=max_bytes,
            )
        if not outcome.refused:
            flash(f"Documento «{document.title}» pubblicato.", "success")
            return redirect(url_for("content.admin_documents"))
    return render_template("content/admin_document_form.html", form=form, max_mb=max_bytes / (1024 * 1024))


@bp.route("/admin/contenuti/documenti/<int:document_id>/scarica")
@admin_required
def admin_document_download(document_id: int):
    return _send_document(db.get_or_404(Document, document_id))


@bp.route("/admin/contenuti/documenti/<int:document_id>/elimina", methods=["GET", "POST"])
@admin_required
def admin_document_delete(document_id: int):
    document = db.get_or_404(Document, document_id)
    return _confirm_delete(
        document, "documento", delete_document, "Documento eliminato.", "content.admin_documents", document=document
    )
