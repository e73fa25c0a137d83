"""Robustness: random, oversized and odd Unicode values in every form field and every query parameter of
every page, as a user the page admits. The answer is never a server error, and a refused submission leaves
every table as it was."""

import io
import os
from urllib.parse import urlencode, urlparse

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import field_error
from tests.security.conftest import all_rules, changed_tables, client_for, counts, methods_of, token_for, url_for_rule
from tests.security.forms import parse_forms
from tests.security.test_authorisation_matrix import EXPECTED
from tests.security.test_csrf_and_safe_methods import ACTING_ROLE, GET_WRITES

# Dates at and beyond the ends of what Python and the databases hold, and just outside the portal's years.
EXTREME_DATES = [
    "0001-01-01",
    "9999-12-31",
    "01/01/0001",
    "31/12/9999",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "31/12/9999 23:59",
    "0001-01",
    "9999-12",
    "1999-12-31",
    "2101-01-01",
    "1999-12",
    "2101-01",
]
ODD_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u200fcodice",
    "\ufeff1",
    "\U0010fffd",
    "\ufffe",
    "\u0301",
    "٣٤",
    "１２",
    "x" * 10_000,
    "€" * 10_000,
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-0.0",
    "1,5",
    "31/02/2024",
    "2024-13-45",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\r\nSet-Cookie: x=1",
    "IT" * 40,
    *EXTREME_DATES,
]
odd_text = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=300, max_size=2_000),
)
odd_filename = st.one_of(
    st.sampled_from(
        [
            "dati.csv",
            "documento.pdf",
            "../../etc/passwd",
            "x" * 300 + ".pdf",
            "\u202efdp.exe",
            "",
            "con.csv",
            'a b;c"d.csv',
            "dati.CSV",
            ".csv",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60),
)
odd_file = st.tuples(
    st.one_of(
        st.binary(max_size=2_048),
        st.sampled_from([b"", b"%PDF-1.4\n", b"\xef\xbb\xbfa;b;c\n1;2;3\n", b"\x00" * 100, "è;à\n".encode("latin-1")]),
    ),
    odd_filename,
)
QUERY_PARAMETERS = (
    "page",
    "q",
    "year",
    "month",
    "from",
    "to",
    "state",
    "event",
    "user",
    "operator",
    "date",
    "category",
    "sort",
    "next",
    "supply_point",
    "day",
    "period",
    "pod",
    "date_from",
    "date_to",
    "da",
    "a",
    "as_of",
)

# Refused submissions that still write, each with the tables it may touch and why.
REFUSED_WRITES = {
    "/accedi": ({"audit_events", "users"}, "failed log-ins are audited and counted for the lock-out"),
    "/password-dimenticata": ({"audit_events"}, "reset requests are audited"),
    "/cambio-password": ({"audit_events"}, "a wrong current password is audited"),
    "/accedi/codice": ({"audit_events", "users"}, "wrong codes are audited and counted for the lock-out"),
    "/verifica-due-passaggi/configura": ({"audit_events"}, "wrong enrolment codes are audited"),
}
NOT_SUBMITTED = {"/esci"}  # logging out is not an input to fuzz

# A few examples per form keep the run short; SECURITY_FUZZ_EXAMPLES=200 for a longer search.
SETTINGS = settings(
    max_examples=int(os.environ.get("SECURITY_FUZZ_EXAMPLES", "5")),
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pages_by_role(app, world):
    grouped = {}
    for rule in all_rules(app):
        klass = EXPECTED.get(rule.endpoint)
        if klass is not None and "GET" in methods_of(rule) and rule.endpoint != "static":
            grouped.setdefault(ACTING_ROLE[klass], []).append((rule.endpoint, url_for_rule(rule, world)))
    return grouped


def fuzz_form(client, form, token, failures):
    fields = form.editable()
    defaults = form.defaults()
    strategy = st.fixed_dictionaries(
        {
            item.name: odd_file if item.kind == "file" else st.one_of(st.just(defaults.get(item.name, "")), odd_text)
            for item in fields
        }
    )
    path = urlparse(form.action).path or "/"

    @SETTINGS
    @given(values=strategy)
    def check(values):
        data = {**defaults, **values}
        if form.method == "get":
            try:
                response = client.get(path + "?" + urlencode(data))
                response.close()
            except Exception as error:  # noqa: BLE001 (a server error, reported with its input)
                failures.append(f"GET {path} {data!r:.300}: {type(error).__name__}: {error}")
                return
            if response.status_code >= 500:
                failures.append(f"GET {path} {data!r:.300}: {response.status_code}")
            return
        data["csrf_token"] = token
        files = {name: value for name, value in data.items() if isinstance(value, tuple)}
        data.update({name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()})
        before = counts(client.application)
        try:
            response = client.post(path, data=data)
            response.close()
        except Exception as error:  # noqa: BLE001 (a server error, reported with its input)
            failures.append(f"POST {path} {data!r:.300}: {type(error).__name__}: {error}")
            return
        if response.status_code >= 500:
            failures.append(f"POST {path} {data!r:.300}: {response.status_code}")
        elif response.status_code < 300 or response.status_code >= 400:
            changed = changed_tables(before, counts(client.application)) - REFUSED_WRITES.get(path, (set(),))[0]
            if changed:
                failures.append(
                    f"POST {path} refused ({response.status_code}) but wrote {sorted(changed)}: {data!r:.300}"
                )

    check()


def fuzz_query(client, endpoint, page, failures):
    allowed = GET_WRITES.get(endpoint, (set(),))[0]

    @SETTINGS
    @given(values=st.dictionaries(st.sampled_from(QUERY_PARAMETERS), odd_text, min_size=1, max_size=4))
    def check(values):
        before = counts(client.application)
        try:
            response = client.get(page + "?" + urlencode(values))
            response.close()
        except Exception as error:  # noqa: BLE001
            failures.append(f"GET {page} {values!r:.300}: {type(error).__name__}: {error}")
            return
        if response.status_code >= 500:
            failures.append(f"GET {page} {values!r:.300}: {response.status_code}")
        changed = changed_tables(before, counts(client.application)) - allowed
        if changed:
            failures.append(f"GET {page} {values!r:.300} wrote {sorted(changed)}")

    check()


@pytest.mark.parametrize("role", sorted(set(ACTING_ROLE.values())))
def test_odd_input_never_breaks_a_page_or_half_writes(app, world, role):
    pages = pages_by_role(app, world).get(role, [])
    assert pages, f"no page is exercised as {role}"
    client = client_for(app, world, role)
    token = token_for(client)
    failures, seen = [], set()
    for endpoint, page in pages:
        response = client.get(page)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        fuzz_query(client, endpoint, page, failures)
        for form in parse_forms(html, page):
            path = urlparse(form.action).path
            key = (form.method, path, tuple(sorted(form.fields)))
            if key in seen or path in NOT_SUBMITTED or not form.editable():
                continue
            seen.add(key)
            fuzz_form(client, form, token, failures)
    assert not failures, f"as {role}:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize(
    ("role", "method", "path", "data"),
    [
        ("admin", "get", "/admin/registro?username=a%00b", None),
        ("admin", "get", "/admin/utenti?q=%00", None),
        ("anonymous", "post", "/accedi", {"username": "mario\x00", "password": "x"}),
        ("operator_a", "post", "/ticket/nuovo", {"subject": "\x00", "body": "testo"}),
    ],
)
def test_nul_characters_are_refused_before_any_query(app, world, role, method, path, data):
    """PostgreSQL cannot hold or compare text with NUL: such requests are refused (400) on every database."""
    client = client_for(app, world, role)
    before = counts(app)
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token_for(client), **data})
    assert response.status_code == 400
    assert counts(app) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/punti-fornitura/" + "9" * 30), ("get", f"/punti-fornitura/{2**63}"), ("post", "/punto-fornitura")],
)
def test_ids_beyond_any_database_integer_are_not_found(app, world, method, path):
    """An id no database integer can hold answers 404, never an overflow in the driver."""
    client = client_for(app, world, "operator_a")
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token_for(client), "supply_point_id": "9" * 30})
    assert response.status_code == 404


@pytest.mark.parametrize("role", sorted(set(ACTING_ROLE.values())))
def test_any_page_number_on_any_page(app, world, role):
    """Every page, paginated or not, reads ``page`` without a server error, however large or odd."""
    client = client_for(app, world, role)
    failures = []
    for _endpoint, page in pages_by_role(app, world).get(role, []):
        for number in ("9" * 30, "-5", "0", "abc", "1e3", "\u0663"):
            try:
                response = client.get(page, query_string={"page": number})
                response.close()
                failed = response.status_code >= 500
            except Exception:  # noqa: BLE001 (a server error)
                failed = True
            if failed:
                failures.append(f"GET {page}?page={number}")
    assert not failures, "\n".join(failures)


# --- dates at the ends of the calendar -------------------------------------------------------------------------

DATE_KINDS = {"date": EXTREME_DATES[:4], "datetime-local": EXTREME_DATES[4:7], "month": EXTREME_DATES[7:9]}
DATE_KINDS = {kind: [*values, *("1999-12-31", "2101-01-01")] for kind, values in DATE_KINDS.items()}
DATE_KINDS["month"] = [*EXTREME_DATES[7:9], "1999-12", "2101-01"]
YEARS = ["0", "1", "1999", "2101", "9999"]


def date_fields(form) -> list[tuple[str, list[str]]]:
    """The fields of ``form`` that take a date, a moment, a month or a year, with the extreme values to try."""
    found = []
    for item in form.fields.values():
        if item.kind in DATE_KINDS:
            found.append((item.name, DATE_KINDS[item.kind]))
        elif item.name == "year" and item.kind == "text":
            found.append((item.name, YEARS))
    return found


# Downloads that read the same date fields as a page (their links carry the page's query string).
DATE_DOWNLOADS = {"/misure": ("/misure/csv", "/misure/xlsx"), "/fatture/archivio": ("/fatture/archivio.zip",)}


@pytest.mark.parametrize("role", sorted(set(ACTING_ROLE.values())))
def test_extreme_dates_get_a_message_next_to_the_field(app, world, role):
    """Every date, moment, month and year field (forms and query-string filters) refuses a year outside the
    portal's range with a message on the field, never a server error, and writes nothing."""
    client = client_for(app, world, role)
    token = token_for(client)
    failures, seen, tried = [], set(), 0
    for _endpoint, page in pages_by_role(app, world).get(role, []):
        response = client.get(page)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        for form in parse_forms(html, page):
            path = urlparse(form.action).path
            for name, values in date_fields(form):
                if (form.method, path, name) in seen:
                    continue
                seen.add((form.method, path, name))
                for value in values:
                    tried += 1
                    data = {**form.defaults(), name: value}
                    targets = [path, *DATE_DOWNLOADS.get(path, ())] if form.method == "get" else [path]
                    for target in targets:
                        before = counts(app)
                        try:
                            if form.method == "get":
                                response = client.get(target + "?" + urlencode(data))
                            else:
                                response = client.post(target, data={**data, "csrf_token": token})
                        except Exception as error:  # noqa: BLE001 (a server error, reported with its input)
                            failures.append(f"{form.method.upper()} {target} {name}={value!r}: {error!r}")
                            continue
                        body = response.get_data(as_text=True)
                        response.close()
                        problem = ""
                        if response.status_code >= 500:
                            problem = f"answered {response.status_code}"
                        elif response.mimetype != "text/html" or response.status_code != 200:
                            problem = f"accepted it ({response.status_code} {response.mimetype})"
                        elif not field_error(body, name):
                            problem = "no message next to the field"
                        elif changed_tables(before, counts(app)):
                            problem = "wrote to the database"
                        if problem:
                            failures.append(f"{form.method.upper()} {target} {name}={value!r}: {problem}")
    if role in ("operator_a", "admin"):
        assert tried, f"no date field found as {role}"
    assert not failures, f"as {role}:\n" + "\n".join(failures)
