"""Demo news and documents (idempotent: items are looked up by title; the caller commits)."""

from __future__ import annotations

from datetime import timedelta

from fpdf import FPDF
from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from ..operators.models import Operator, User
from .models import PERSONAL, Document, NewsItem
from .services import FILE_TYPES

# (days ago, title, summary, body, published)
NEWS = [
    (
        2,
        "Mercato della capacità: calendario delle prossime aste",
        "Pubblicate le date dell'asta madre e delle aste di aggiustamento: iscrizioni dal portale.",
        "Sono state pubblicate le date della prossima asta madre del mercato della capacità e delle aste di "
        "aggiustamento per gli anni di consegna già assegnati.\n\n"
        "Gli operatori interessati possono iscriversi dalla sezione «Aste e procedure concorsuali» entro la "
        "chiusura della finestra di iscrizione, allegando le dichiarazioni richieste e verificando che le "
        "garanzie finanziarie siano sufficienti.\n\n"
        "Il calendario completo è disponibile nella Documentazione Generica, sezione Comunicati.",
        True,
    ),
    (
        9,
        "Nuove funzioni del portale: misure elettriche in CSV e XLSX",
        "Le misure quartorarie si scaricano ora anche in formato XLSX; il CSV usa il punto e virgola.",
        "Nella pagina «Misure elettriche» è possibile scegliere un periodo e scaricare le misure quartorarie "
        "di energia attiva e reattiva in formato CSV o XLSX.\n\n"
        "Il file CSV usa il punto e virgola come separatore e la virgola per i decimali, così da aprirsi "
        "correttamente nei fogli di calcolo in italiano.\n\n"
        "Sono inoltre disponibili l'esportazione dell'elenco fatture e l'archivio ZIP dei PDF di un periodo.",
        True,
    ),
    (
        16,
        "Manutenzione programmata del portale",
        "Sabato dalle 22:00 alle 02:00 il portale potrà non essere raggiungibile per interventi tecnici.",
        "Per un intervento di manutenzione sui sistemi informatici, sabato dalle 22:00 alle 02:00 di "
        "domenica il portale potrà risultare non raggiungibile o rallentato.\n\n"
        "Le iscrizioni alle aste con scadenza nella finestra di manutenzione sono prorogate di un giorno. "
        "Per segnalazioni urgenti resta attivo il numero dell'assistenza portale 800.999.333.",
        True,
    ),
    (
        30,
        "GSTAT: scadenze per la trasmissione dei dati statistici",
        "I dati mensili di produzione e consumo vanno inseriti entro il giorno 15 del mese successivo.",
        "Si ricorda agli operatori che i dati statistici mensili di produzione e consumo di energia "
        "elettrica (produzione lorda e netta, consumi dei servizi ausiliari, consumi per pompaggio e, per "
        "gli impianti termoelettrici, i combustibili) vanno inseriti in GSTAT entro il giorno 15 "
        "del mese successivo.\n\n"
        "Il questionario annuale va completato entro la scadenza indicata nel calendario pubblicato nella "
        "sezione Informazioni della Documentazione Generica.",
        True,
    ),
    (
        45,
        "Diritti CCC: aperte le iscrizioni all'asta annuale",
        "Prodotti da 1 MW per zona di mercato, base o picco: iscrizioni aperte fino alla data del bando.",
        "Sono aperte le iscrizioni all'asta annuale per l'assegnazione dei diritti CCC, in unità da 1 MW per "
        "zona di mercato, nei profili base e picco.\n\n"
        "Ogni operatore può presentare una sola iscrizione per asta. Il regolamento e i moduli di adesione "
        "sono disponibili nella sezione Modulistica.",
        True,
    ),
    (
        0,
        "Sistema di accumulo MACSE: incontro informativo con gli operatori",
        "Bozza: data e modalità di partecipazione in corso di definizione.",
        "Sarà organizzato un incontro informativo sul meccanismo di approvvigionamento di capacità di "
        "stoccaggio elettrico (MACSE). Data e modalità di partecipazione saranno comunicate a breve.",
        False,
    ),
]

# (category, title, description, filename, paragraphs or CSV text, days ago)
DOCUMENTS = [
    (
        "modulistica",
        "Modulo di richiesta variazione dati anagrafici",
        "Da compilare per modificare ragione sociale, sede o referenti dell'operatore.",
        "modulo-variazione-dati-anagrafici.pdf",
        [
            "Il sottoscritto, in qualità di legale rappresentante dell'operatore sotto indicato, chiede la "
            "variazione dei dati anagrafici registrati sul portale.",
            "Ragione sociale: ______________________   Partita IVA: ______________",
            "Dati da variare: ________________________________________________",
            "Allegare la visura camerale aggiornata (non più vecchia di 6 mesi).",
            "Luogo e data: ______________   Firma: ______________________",
        ],
        20,
    ),
    (
        "modulistica",
        "Mandato al Super User",
        "Delega del legale rappresentante al referente che gestisce gli utenti aziendali.",
        "mandato-super-user.pdf",
        [
            "Il legale rappresentante conferisce al Super User indicato il mandato a gestire, per conto "
            "dell'operatore, gli utenti aziendali abilitati al portale.",
            "Super User: Cognome e Nome ______________  Codice fiscale ________________",
            "Allegare copia del documento di identità del Super User.",
        ],
        60,
    ),
    (
        "normative",
        "Regole di dispacciamento: sintesi per gli operatori",
        "Sintesi delle principali regole del servizio di dispacciamento.",
        "sintesi-regole-dispacciamento.pdf",
        [
            "Il documento riassume gli obblighi degli utenti del dispacciamento: programmazione, "
            "sbilanciamenti, garanzie e fatturazione dei corrispettivi.",
            "Il testo integrale delle regole e delle delibere di riferimento prevale su questa sintesi.",
        ],
        90,
    ),
    (
        "comunicati",
        "Calendario delle aste del mercato della capacità",
        "Date di iscrizione e di svolgimento dell'asta madre e delle aste di aggiustamento.",
        "calendario-aste-capacita.pdf",
        [
            "Asta madre: apertura iscrizioni, chiusura iscrizioni, svolgimento e pubblicazione degli esiti.",
            "Aste di aggiustamento: una sessione per ciascun anno di consegna già assegnato.",
            "Le date possono variare: fanno fede i comunicati pubblicati su questo portale.",
        ],
        2,
    ),
    (
        "informazioni",
        "Guida al portale clienti",
        "Registrazione, accesso, fatture, misure, autoletture e ticket: la guida passo per passo.",
        "guida-portale-clienti.pdf",
        [
            "Primo accesso: scegli il percorso di registrazione adatto (credenziali del vecchio portale, "
            "pratica Ge.Co., codice cliente presente in fattura, nuovo utente).",
            "Il codice cliente è un numero di sei cifre stampato in fattura sotto il numero e la data.",
            "Elenco fatture: fatture dal 2014 con il PDF. Misure elettriche: download CSV e XLSX.",
            "Autolettura: fasce F1, F2, F3; i contatori telegestiti non richiedono autolettura.",
        ],
        10,
    ),
    (
        "informazioni",
        "Scadenze GSTAT (CSV)",
        "Le scadenze di trasmissione dei dati statistici, in formato CSV per i fogli di calcolo.",
        "scadenze-gstat.csv",
        "Rilevazione;Periodo;Scadenza\nMensile;Gennaio;15/02\nMensile;Febbraio;15/03\nMensile;Marzo;15/04\n"
        "Annuale;Anno precedente;31/03\n",
        30,
    ),
    (
        "storico",
        "Calendario delle aste dell'anno precedente",
        "Archivio: il calendario delle aste e delle procedure concorsuali dell'anno scorso.",
        "calendario-aste-anno-precedente.pdf",
        [
            "Documento di archivio, conservato per consultazione.",
            "Per le date in vigore consultare la sezione Comunicati.",
        ],
        400,
    ),
]

PERSONAL_DOCUMENT = (
    "Comunicazione di attivazione del contratto di dispacciamento",
    "Conferma dell'attivazione del contratto e riepilogo dei punti di dispacciamento.",
    "attivazione-contratto-dispacciamento.pdf",
)


def _latin1(text: str) -> str:
    """The text in the character set of the PDF core fonts."""
    text = text.replace("—", "-").replace("–", "-").replace("’", "'").replace("€", "EUR")
    return text.encode("latin-1", "replace").decode("latin-1")


def demo_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small real PDF with a title and some paragraphs."""
    pdf = FPDF()
    pdf.set_title(_latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin1(title))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, _latin1(paragraph))
        pdf.ln(3)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, _latin1("Documento dimostrativo generato dal portale."))
    return bytes(pdf.output())


def _publisher_id() -> int | None:
    return db.session.scalar(select(User.id).where(User.role == "admin").order_by(User.id).limit(1))


def _document_exists(title: str, category: str, operator_id: int | None) -> bool:
    owner = Document.operator_id.is_(None) if operator_id is None else Document.operator_id == operator_id
    return (
        db.session.scalar(
            select(Document.id).where(Document.title == title, Document.category == category, owner).limit(1)
        )
        is not None
    )


def _add_document(category, title, description, filename, data, days_ago, publisher_id, operator_id=None):
    now = utcnow()
    db.session.add(
        Document(
            title=title,
            description=description,
            category=category,
            operator_id=operator_id,
            filename=filename,
            content_type=FILE_TYPES[filename.rsplit(".", 1)[-1]][0],
            size=len(data),
            data=data,
            published_at=now - timedelta(days=days_ago),
            published_by=publisher_id,
        )
    )


def load_demo(operators: list[Operator]) -> None:
    """Create the demo news and documents that are missing; a personal document for the first operator."""
    now = utcnow()
    publisher_id = _publisher_id()
    existing = set(db.session.scalars(select(NewsItem.title).where(NewsItem.title.in_([n[1] for n in NEWS]))))
    for days_ago, title, summary, body, published in NEWS:
        if title in existing:
            continue
        db.session.add(
            NewsItem(
                title=title,
                summary=summary,
                body=body,
                published=published,
                created_by=publisher_id,
                published_at=now - timedelta(days=days_ago) if published else None,
            )
        )
    for category, title, description, filename, content, days_ago in DOCUMENTS:
        if _document_exists(title, category, None):
            continue
        data = content.encode("utf-8") if isinstance(content, str) else demo_pdf(title, content)
        _add_document(category, title, description, filename, data, days_ago, publisher_id)
    if operators:
        operator = operators[0]
        title, description, filename = PERSONAL_DOCUMENT
        if not _document_exists(title, PERSONAL, operator.id):
            data = demo_pdf(
                title,
                [
                    f"Operatore: {operator.name} - Partita IVA {operator.identifier}",
                    "Si comunica l'attivazione del contratto di dispacciamento a decorrere dal primo giorno del "
                    "mese successivo alla sottoscrizione.",
                    "I punti di dispacciamento associati e le relative garanzie sono consultabili nel portale.",
                ],
            )
            _add_document(PERSONAL, title, description, filename, data, 5, publisher_id, operator.id)
    db.session.flush()
