"""Browser journeys: helpers shared by the test modules."""

import itertools
import re
from pathlib import Path

from myportal.operators.models import Operator, User, username_key
from tests.conftest import DEFAULT_PASSWORD, default_password_hash, make_vat

AXE_FILE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).parent / "screenshots"  # one <test name>.png per failed journey
_numbers = itertools.count(5000)
FIRST_PASSWORD = "la mia prima password del portale"


def create_account(live_db, role: str = "operator_admin", operator_id: int | None = None, **fields) -> User:
    """An active user (for operator roles, of a new company unless ``operator_id``) in the live database;
    ``company`` names the new company. The user comes back detached, its columns readable."""
    number = next(_numbers)
    with live_db.session() as session:
        if operator_id is None and role in ("operator", "operator_admin"):
            operator = Operator(
                name=fields.pop("company", f"Energie Rinnovabili {number} S.r.l."),
                vat_number=make_vat(number),
                registered_address=f"Via Roma {number}, 00100 Roma (RM)",
                kind="giuridica",
            )
            session.add(operator)
            session.flush()
            operator_id = operator.id
        username = fields.pop("username", f"utente{number}")
        fields.setdefault("email", f"{username}@example.com")
        fields.setdefault("full_name", f"Referente {number}")
        fields.setdefault("status", "active")
        fields.setdefault("password_hash", default_password_hash())
        user = User(
            username=username, username_key=username_key(username), role=role, operator_id=operator_id, **fields
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return live_db.get(User, user_id)


def log_in(page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in through the form, like a user; the home page greets them."""
    page.goto("/accedi")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_load_state()
    assert "/accedi" not in page.url, page.locator("main").inner_text()


_axe_source = None


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations of the page as it is now.

    The portal's CSP (script-src 'self') refuses the inline <script> of page.add_script_tag(), so axe is
    evaluated through the DevTools protocol (page.evaluate), which the page's CSP does not govern."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_FILE.read_text(encoding="utf-8")
    page.evaluate(_axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = serious_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def activate_and_log_in(page, mailbox, email: str, username: str, password: str = FIRST_PASSWORD) -> None:
    """Follow the link of the activation e-mail, choose the password, log in for the first time."""
    message = mailbox.last(email)
    link = re.search(r"https?://\S+/attivazione/\S+", mailbox.body(message))
    assert link, mailbox.body(message)
    page.goto(link.group(0))
    assert_accessible(page)
    page.get_by_label("Nuova password").fill(password)
    page.get_by_label("Conferma password").fill(password)
    page.get_by_role("button", name="Conferma").click()
    assert "Account attivato" in page.content()

    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    assert "Questo è il tuo primo accesso" in page.content()
