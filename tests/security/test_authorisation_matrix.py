"""The authorisation matrix: every endpoint of the URL map, asked by every kind of user, answers as declared.

URL arguments name objects of operator A, so that operator B meets another operator's object on every
object URL. An endpoint missing from ACCESS fails the test by name: declare it when you add it."""

import pytest

from tests.security.conftest import (
    ROLES,
    all_rules,
    client_for,
    methods_of,
    outcome,
    token_for,
    url_for_rule,
)

# Expected outcome by role, in ROLES order: anonymous, operator_a, operator_admin_a, operator_b, support, admin.
L, F, N, OK = "login", "forbidden", "not_found", "ok"
CLASSES = {
    "public": (OK, OK, OK, OK, OK, OK),
    "token_link": (N, N, N, N, N, N),  # a link from an e-mail; an unknown token is 404 for anyone
    "logged_in": (L, OK, OK, OK, OK, OK),
    "operator_area": (L, OK, OK, OK, F, F),
    "operator_object": (L, OK, OK, N, F, F),  # an object of operator A: 404 for operator B
    "operator_admin": (L, F, OK, F, F, F),
    "staff": (L, F, F, F, OK, OK),
    "admin": (L, F, F, F, F, OK),
    "personal_document": (L, OK, OK, N, N, N),  # a document of operator A's own folder
    "logout": (L, L, L, L, L, L),
    "own_enrolment": (N, N, N, N, N, N),  # the QR of a second factor being set up: nobody here has one
}

ACCESS = {
    "public": """
        static ops.healthz operators.home auth.login auth.forgot_password content.contacts content.faq content.news_list
        content.news_detail registration.choose registration.customer registration.confirm registration.geco
        registration.legacy registration.mail_sent registration.new_user registration.request_sent
        registration.request_updated privacy.notice privacy.legal_notes privacy.cookies privacy.accessibility
        privacy.accessibility_feedback
    """,
    "token_link": """
        auth.activate auth.reset_password operators.confirm_email registration.complete
        registration.choose_username registration.confirm_address
    """,
    "logged_in": """
        auth.change_password content.library auth.mfa_verify auth.mfa_settings auth.mfa_start auth.mfa_enrol
        auth.mfa_disable auth.mfa_recovery_codes privacy.my_data privacy.my_data_zip
    """,
    "operator_area": """
        auctions.index auctions.detail auctions.enrol_page connections.index content.my_documents
        contracts.contracts contracts.contract_data contracts.measurements contracts.measurements_csv_download
        contracts.measurements_xlsx_download contracts.self_reading contracts.supply_points
        contracts.technical_data eic.index eic.new gstat.index gstat.summary gstat.summary_current gstat.template
        gstat.upload guarantees.index invoicing.archive invoicing.archive_zip invoicing.export_csv
        invoicing.invoices invoicing.withdrawals operators.change_email operators.profile tickets.index
        tickets.new privacy.closure privacy.withdraw
    """,
    "operator_object": """
        auctions.document auctions.enrolment auctions.withdraw_enrolment contracts.choose contracts.contract
        contracts.supply_point eic.request_detail gstat.correct gstat.report guarantees.detail invoicing.invoice
        invoicing.invoice_pdf_file tickets.attachment tickets.close tickets.detail
    """,
    "operator_admin": """
        auth.company_mfa operators.company_users operators.invite operators.change_role operators.disable_user
        operators.enable_user operators.resend_invite operators.join_request
    """,
    "staff": """
        support.search support.account support.check_secret support.resend support.unlock tickets.staff_index
        tickets.staff_detail tickets.staff_state tickets.staff_attachment
    """,
    "admin": """
        admin.approve admin.audit_log admin.disable admin.enable admin.join_detail admin.joins admin.outbox
        admin.outbox_message admin.reject
        admin.request_detail admin.request_information admin.requests admin.reset_mfa admin.unlock admin.users
        auctions.admin_approve auctions.admin_detail auctions.admin_document auctions.admin_edit
        auctions.admin_enrolment auctions.admin_export auctions.admin_index auctions.admin_new
        auctions.admin_publish auctions.admin_reject auctions.admin_unpublish
        content.admin_document_delete content.admin_document_download content.admin_document_new
        content.admin_documents content.admin_index content.admin_news content.admin_news_delete
        content.admin_news_edit content.admin_news_new content.admin_news_publish content.admin_news_unpublish
        eic.admin_detail eic.admin_queue eic.admin_register eic.admin_register_csv eic.approve eic.reject
        gstat.admin_export gstat.admin_missing gstat.admin_plants
        guarantees.admin_detail guarantees.admin_exposure guarantees.admin_index guarantees.admin_new
        guarantees.admin_state privacy.admin_closures privacy.admin_closure privacy.admin_close privacy.admin_reject
    """,
    "personal_document": "content.download",
    "logout": "auth.logout",
    "own_enrolment": "auth.mfa_qr",
}


def expected_class() -> dict[str, str]:
    table = {}
    for name, endpoints in ACCESS.items():
        for endpoint in endpoints.split():
            assert endpoint not in table, f"{endpoint} is declared twice"
            table[endpoint] = name
    return table


EXPECTED = expected_class()

# Form data of POST-only endpoints that read an object from the form rather than the URL.
POST_DATA = {"contracts.choose": lambda world: {"supply_point_id": world.ids["supply_point"]}}


def post_data(rule, world) -> dict:
    return POST_DATA.get(rule.endpoint, lambda _: {})(world)


def request_rule(client, rule, world, token):
    """GET when the endpoint has a page, otherwise POST with a valid CSRF token (and its object)."""
    path = url_for_rule(rule, world)
    if "GET" in methods_of(rule):
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token, **post_data(rule, world)})
    response.close()
    return response


def sweep_order(rules):
    """Pages first, then actions (which may change what pages show), log-out last."""
    return sorted(rules, key=lambda rule: ("GET" not in methods_of(rule), rule.endpoint == "auth.logout"))


def test_every_endpoint_is_declared(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, (
        f"endpoints without an entry in tests/security/test_authorisation_matrix.py ACCESS: {', '.join(missing)}"
    )
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"ACCESS names endpoints that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(app, world, role):
    column = ROLES.index(role)
    client = client_for(app, world, role)
    token = token_for(client)
    wrong = []
    for rule in sweep_order(all_rules(app)):
        klass = EXPECTED.get(rule.endpoint)
        if klass is None:
            continue  # reported by test_every_endpoint_is_declared
        response = request_rule(client, rule, world, token)
        expected, got = CLASSES[klass][column], outcome(response)
        if got != expected:
            wrong.append(
                f"{rule.endpoint} ({rule.rule}, {klass}): expected {expected}, got {got} "
                f"[{response.status_code} {response.headers.get('Location', '')}]"
            )
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
