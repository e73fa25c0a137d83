"""Demo tickets: a few conversations of the first demo operator with the support desk."""

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from ..operators.models import User
from ..security.access import STAFF
from .models import Ticket, TicketMessage

DEMO_TICKETS = (
    {
        "category": "fatturazione",
        "subject": "Chiarimento sul conguaglio della fattura di giugno",
        "state": "in_lavorazione",
        "days_ago": 12,
        "messages": (
            (
                False,
                "Buongiorno, nella fattura di giugno è presente un conguaglio di cui non troviamo "
                "il dettaglio. Potete indicarci a quale periodo si riferisce?",
            ),
            (
                True,
                "Buongiorno, il conguaglio riguarda le letture effettive del periodo 1-30 aprile, che hanno "
                "sostituito i consumi stimati. Stiamo verificando il dettaglio e vi aggiorneremo a breve.",
            ),
        ),
    },
    {
        "category": "accesso",
        "subject": "Abilitazione di un nuovo collega al portale",
        "state": "chiuso",
        "days_ago": 40,
        "messages": (
            (
                False,
                "Buongiorno, un nostro collega dell'ufficio amministrativo deve accedere alle fatture. "
                "Come possiamo abilitarlo?",
            ),
            (
                True,
                "Buongiorno, l'amministratore aziendale può invitarlo dalla pagina Utenti aziendali: "
                "il collega riceverà un'e-mail con il link per scegliere la password. Chiudiamo il ticket.",
            ),
        ),
    },
)


def load_demo(operators) -> None:
    """Add the demo tickets to the first of ``operators`` unless they exist already (idempotent)."""
    if not operators:
        return
    operator = operators[0]
    creator = db.session.scalar(select(User).where(User.operator_id == operator.id).order_by(User.id).limit(1))
    staff = db.session.scalar(select(User).where(User.role.in_(STAFF)).order_by(User.role.desc(), User.id).limit(1))
    existing = set(db.session.scalars(select(Ticket.subject).where(Ticket.operator_id == operator.id)))
    now = utcnow()
    for spec in DEMO_TICKETS:
        if spec["subject"] in existing:
            continue
        opened = now - timedelta(days=spec["days_ago"])
        ticket = Ticket(
            operator_id=operator.id,
            created_by=creator,
            category=spec["category"],
            subject=spec["subject"],
            state=spec["state"],
            created_at=opened,
            updated_at=opened,
        )
        for number, (from_staff, body) in enumerate(spec["messages"]):
            sent = opened + timedelta(days=number, hours=2 * number)
            ticket.messages.append(
                TicketMessage(
                    author=staff if from_staff else creator, body=body, from_staff=from_staff, created_at=sent
                )
            )
            ticket.updated_at = sent
        db.session.add(ticket)
    db.session.flush()
