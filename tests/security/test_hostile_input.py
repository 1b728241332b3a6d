"""Hostile values into every page, form and query string, as each persona who can reach them.

The URL patterns come from the resolver, so a new page is covered without editing this file;
path parameters are filled from a seeded data set, then with hostile values. Every form a
persona is shown is posted back with fields replaced, dropped, duplicated or added, formset
counts tampered, in odd encodings, and as personas who may not post it. Two things must hold
for every response: no 5xx, and a refusal (anything but a redirect, or a redirect carrying an
error message) leaves the database as it was. After a save succeeds, the pages that download
what was saved must still answer.

Failures are collected rather than raised at the first one, so one run lists every failing
(method, URL pattern, field). The Django admin (/admin/) is left out: it is Django's own,
reachable by superusers only, and no persona here is one.
"""

import copy
import itertools
import re
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as settings_module
from django.contrib.auth.tokens import default_token_generator
from django.contrib.messages import constants as message_level
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from partnerships.models import Membership
from tests.audits.factories import (
    CycleFactory,
    complete_action,
    rate_theme,
    start_audit,
    submitted_audit,
    themes_of,
)
from tests.dashboards.factories import complete_review, partnerships_with_audits
from tests.reviews.factories import ChildFactory, ReviewFactory
from tests.security.conftest import STATS

pytestmark = pytest.mark.django_db

# Bounds: a fixed number of examples, drawn the same way on every run.
QUERY_EXAMPLES = 6  # per page with a filter form, and persona who may read it
PLAIN_QUERY_EXAMPLES = 3  # per page without one
PATH_EXAMPLES = 8  # per path parameter
FORM_EXAMPLES = 10  # per form and submit button
TAMPER_EXAMPLES = 1  # per form, submit button and kind of formset count
STORED_EXAMPLES = 4  # per form and submit button: save hostile text, then download it
CROSS_PERSONA_EXAMPLES = 1  # per form and persona who was not shown it
EXCLUDED_NAMESPACES = {"admin"}
PERSONAS = ["anonymous", "lead", "contributor", "viewer", "other_lead", "panel", "outsider"]
FORM = "application/x-www-form-urlencoded"
LOGIN_PATH = "/accounts/login/"
UNTRACKED_APPS = {"sessions", "axes"}  # a sign-in writes these on every attempt, by design
UNTRACKED_MODELS = {"partnerships.RestrictedView"}  # every view of a restricted page, by design


def probe(max_examples):
    """Hypothesis settings for one probe: bounded, derandomised, nothing stored between runs."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


# Hostile values -------------------------------------------------------------------------

CONTROL = [chr(code) for code in [*range(32), 127, 0x85]] + ["\u2028", "\u2029"]
NUMBERS = [
    "-1",
    "0",
    "-0",
    "00",
    "1.5",
    "-1.5",
    "1e309",
    "NaN",
    "inf",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 400,
    "0x10",
    "\uff11\uff12",  # full-width digits
    "\u0663",  # Arabic-Indic three
    " 1 ",
]
CANNED = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\r\n",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\U0010ffff",
    "\U0001f600",
    "e\u0301" * 50,
    "'; DROP TABLE partnerships_partnership; --",
    "' OR '1'='1",
    '" OR ""="',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7|add:7 }}{% now 'Y' %}",
    '=HYPERLINK("http://example.org")',
    "%00",
    "%",
    "%s%s%n",
    "../../etc/passwd",
    "null",
    "[]",
    "{}",
    "true",
]
LONG = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["a", "\u00e9", "\U0001f600", "\x00", "<", "'", "\x0b"]),
    st.sampled_from([256, 10_001, 100_001]),
)
hostile_text = st.one_of(
    st.sampled_from(CANNED + NUMBERS),
    st.text(max_size=30),  # any code point UTF-8 can carry, control characters included
    st.text(st.sampled_from(CONTROL), min_size=1, max_size=5),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=8), st.sampled_from(CONTROL), st.text()),
    LONG,
)
hostile_number = st.one_of(st.sampled_from(NUMBERS + ["", "abc", "\x00", "1001"]), st.integers())
hostile_number = hostile_number.map(str)
# Text that a save might accept and a download might choke on.
stored_text = st.one_of(
    st.builds(
        lambda a, c: a + c, st.text(max_size=8), st.text(st.sampled_from(CONTROL), min_size=1)
    ),
    st.sampled_from(["=1+1", "@SUM(A1)", "\U0001f600\u202e", "e\u0301", "x" * 40_000]),
)
GUESSED_NAMES = ["page", "q", "child", "table", "format", "next", "cycle", "region", "status"]
hostile_name = st.one_of(st.sampled_from(GUESSED_NAMES + CANNED[:8]), st.text(max_size=12))
RAW_QUERY_TAILS = ["%", "%zz", "%FF%FE", "%C0%AF", "&&&", "=", "==&=x", "a=%00", ";", "+%2B+"]

# In a path: text values are percent-encoded; these go in as they are.
RAW_PATH_VALUES = ["%00", "%FF", "%C0%AF", "%E2%80", "%2e%2e", "%252e", "%0A", "%20"]
PATH_TEXT = [
    "\x00",
    "2026-27\x00",
    "%00",
    "\x0b",
    "../",
    "..",
    ".",
    "\U0001f600",
    "\u00e9",
    "x" * 10_000,
    "2026-27'",
    "' OR 1=1 --",
    "<script>",
    "\u202e",
    " ",
]
SLUG_VALUES = ["a" * 10_000, "NORTHSHIRE", "northshire-", "-", "_", "0", "9" * 30]
INT_VALUES = ["0", "00", "01", "2147483648", "9223372036854775808", "9" * 20, "9" * 400]


def fixed_path_values(converter):
    """Every listed hostile value for a converter, URL-encoded."""
    if converter == "int":
        return INT_VALUES
    if converter == "slug":
        return SLUG_VALUES
    return RAW_PATH_VALUES + [quote(value, safe="") for value in PATH_TEXT]


def path_values(converter):
    """Hostile values a path parameter of this converter can carry, already URL-encoded."""
    if converter == "int":
        return st.one_of(st.sampled_from(INT_VALUES), st.integers(min_value=0).map(str))
    if converter == "slug":
        slugs = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=80)
        return st.one_of(st.sampled_from(SLUG_VALUES), slugs)
    text = st.one_of(st.sampled_from(PATH_TEXT), st.text(min_size=1, max_size=20))
    encoded = text.map(lambda value: quote(value, safe=""))
    return st.one_of(st.sampled_from(RAW_PATH_VALUES), encoded)


# URL patterns ---------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern with its full route and namespaced name."""

    name: str
    route: str

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return [(m["name"], m["converter"] or "str") for m in PARAMETER.finditer(self.route)]

    def path(self, values: dict[str, str]) -> str:
        """The path with each parameter replaced by its (already encoded) value."""
        return "/" + PARAMETER.sub(lambda m: values[m["name"]], self.route)


def routes(resolver=None, prefix="", namespace=""):
    """Every URL pattern the resolver knows, recursively, except the excluded namespaces."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            if not isinstance(pattern.pattern, RoutePattern):
                raise AssertionError(f"Cannot fill a regular-expression include: {pattern}")
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from routes(pattern, prefix + str(pattern.pattern), inner)
        else:
            if not isinstance(pattern.pattern, RoutePattern):
                raise AssertionError(f"Cannot fill a regular-expression pattern: {pattern}")
            name = ":".join(part for part in (namespace, pattern.name or "?") if part)
            yield Route(name=name, route=prefix + str(pattern.pattern))


def route_of(path: str) -> str:
    """The URL pattern a path resolves to, for the report."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return urlsplit(path).path
    return "/" + match.route


# Forms in a page ------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    checked: bool = False
    options: list = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list = field(default_factory=list)
    buttons: list = field(default_factory=list)  # (name or None, value)


class FormParser(HTMLParser):
    """Forms, their fields and submit buttons, as a browser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form = self.select = self.textarea = self.option = None

    def handle_starttag(self, tag, attrs):
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                enctype=a.get("enctype", "application/x-www-form-urlencoded").lower(),
            )
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name") or None
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self.form.buttons.append((name, a.get("value", "")))
            elif kind not in ("button", "reset") and name:
                if kind == "text" and a.get("inputmode") == "numeric":
                    kind = "number"
                default = "on" if kind in ("checkbox", "radio") else ""
                self.form.fields.append(
                    Field(name, kind, a.get("value", default), checked="checked" in a)
                )
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self.form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = Field(name, "select", multiple="multiple" in a)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, ""]
            self.select.options.append(self.option)
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = self.option = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None


def forms_in(response, method) -> list[Form]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser()
    parser.feed(response.content.decode())
    return [form for form in parser.forms if form.method == method]


TYPED_PASSWORD = "a-long-test-password"  # the factories' password
FREE_TEXT = {"text", "textarea", "search"}  # what "every text field" overwrites
MANAGEMENT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")
CSRF = "csrfmiddlewaretoken"


def normalise(name: str) -> str:
    """A field name with its ids taken out, so that one field of many items counts once."""
    return re.sub(r"\d+", "<n>", name)


# The seeded data set --------------------------------------------------------------------


@dataclass
class World:
    users: dict
    fill: dict  # parameter name -> real values
    pks: dict  # namespace -> real ids for <int:pk>
    clients: dict = field(default_factory=dict)

    def __post_init__(self):
        # Signed in once, outside every savepoint; isolated() puts their cookies back.
        self.clients = {persona: client_for(user) for persona, user in self.users.items()}

    def client(self, persona) -> Client:
        return self.clients[persona]

    def fills(self, route: Route) -> list[dict]:
        """Every combination of real values for the route's parameters."""
        options = []
        for name, _converter in route.parameters:
            if name == "pk":
                namespace = route.name.split(":")[0]
                options.append(self.pks.get(namespace, [v for vs in self.pks.values() for v in vs]))
            else:
                options.append(self.fill.get(name, ["1"]))
        names = [name for name, _ in route.parameters]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*options)]


@pytest.fixture
def world(northshire, eastmere, lead, contributor, viewer, other_lead, panel, outsider):
    """Three open cycles (an audit in draft with an action, one submitted, one not started),
    peers with audits, reviews in draft and complete, and a password reset link."""
    today = timezone.localdate()
    current = CycleFactory(name="2026-27")
    earlier = CycleFactory(name="2025-26", opens_on=today - timedelta(days=400))
    CycleFactory(name="2027-28", opens_on=today - timedelta(days=1))
    audit = start_audit(partnership=northshire, by=lead, cycle=current)
    first = themes_of(audit)[0]
    rate_theme(audit, first, by=lead, rating=1, actions=[complete_action()])
    submitted_audit(partnership=northshire, lead=lead, cycle=earlier)
    partnerships_with_audits(5, current)
    draft = ReviewFactory(child=ChildFactory(partnership=northshire))
    finished = complete_review(northshire)
    complete_review(eastmere)
    membership = Membership.objects.get(user=contributor, partnership=northshire)
    return World(
        users={
            "anonymous": None,
            "lead": lead,
            "contributor": contributor,
            "viewer": viewer,
            "other_lead": other_lead,
            "panel": panel,
            "outsider": outsider,
        },
        fill={
            "slug": [northshire.slug],
            "cycle": ["2026-27", "2025-26", "2027-28"],
            "number": [str(first.number)],
            "format": ["csv", "xlsx"],
            "uidb64": [urlsafe_base64_encode(force_bytes(outsider.pk))],
            "token": [default_token_generator.make_token(outsider)],
        },
        pks={
            "partnerships": [str(membership.pk)],
            "reviews": [str(draft.pk), str(finished.pk)],
            "audits": [
                str(pk) for pk in audit.partnership.action_records.values_list("pk", flat=True)
            ],
        },
    )


# Sending, fingerprinting, recording -----------------------------------------------------


def tracked_tables():
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in UNTRACKED_APPS:
            continue
        if meta.label in UNTRACKED_MODELS:
            continue
        numeric = meta.pk.get_internal_type() in {
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
        }
        tables[meta.db_table] = (meta.label, meta.pk.column if numeric else None)
    return tables


def fingerprint() -> dict[str, tuple]:
    """Row count and highest id of every table (history tables included), in one query."""
    tables = tracked_tables()
    quote_name = connection.ops.quote_name
    parts = []
    for table, (_label, pk) in tables.items():
        parts.append(f"(SELECT COUNT(*) FROM {quote_name(table)})")
        parts.append(f"(SELECT MAX({quote_name(pk)}) FROM {quote_name(table)})" if pk else "0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608 - table names from models
        row = cursor.fetchone()
    return {label: tuple(row[2 * i : 2 * i + 2]) for i, (label, _) in enumerate(tables.values())}


def changed(before, after) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def refused(response) -> bool:
    """Anything but a redirect refuses; so does a redirect that carries an error message."""
    if not 300 <= response.status_code < 400:
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= message_level.ERROR for message in queued)


def client_for(user) -> Client:
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


class ServerError(Exception):
    """A request answered 5xx (or raised): the example stops there."""


class Recorded(Exception):  # noqa: N818 - a signal, not an error
    """A problem already recorded: the example stops there, reporting nothing more."""


HANDLER_RAISED = []


def _handler_raised(sender, **kwargs):
    HANDLER_RAISED.append(True)


got_request_exception.connect(_handler_raised, dispatch_uid="hostile-input")


def app_frame(error) -> str:
    """Where the exception came from: the last line of the project's own code it passed
    through, or else of the installed package (not Django itself) that raised it."""
    base = str(settings_module.BASE_DIR) + "/"
    frames = traceback.extract_tb(error.__traceback__)
    own = [
        f"{f.filename.removeprefix(base)}:{f.lineno}"
        for f in frames
        if f.filename.startswith(base)
        and "/.venv/" not in f.filename
        and "/tests/" not in f.filename
    ]
    if own:
        return own[-1]
    packages = [
        f"{f.filename.split('site-packages/')[-1]}:{f.lineno}"
        for f in frames
        if "site-packages/" in f.filename and "site-packages/django/" not in f.filename
    ]
    return packages[-1] if packages else "django"


def send(client, method, path, **kwargs):
    """One request; a 5xx (or an exception out of the handler) becomes ServerError.

    `method` "raw" sends `data` bytes as they are, with POST (the client re-encodes str
    bodies in the declared charset, which would hide what the server does with them).
    """
    STATS.requests += 1
    HANDLER_RAISED.clear()
    try:
        if method == "raw":
            response = client.generic("POST", path, **kwargs)
        elif method in ("put", "patch", "delete", "options"):
            response = client.generic(method.upper(), path, **kwargs)
        else:
            response = getattr(client, method)(path, **kwargs)
    except Exception as error:
        if not HANDLER_RAISED:
            raise  # the test's own mistake, not the server's
        STATS.server_errors += 1
        message = f"{type(error).__name__} at {app_frame(error)}: {str(error)[:100]!r}"
        raise ServerError(message) from None
    if response.status_code >= 500:
        STATS.server_errors += 1
        raise ServerError(f"status {response.status_code}")
    return response


def isolated(action, world):
    """Run `action` in a savepoint that is always rolled back, then put the personas' cookies
    back (a sign-out or sign-in in the savepoint changed them); return its problem, if any."""
    cookies = {persona: copy.deepcopy(c.cookies) for persona, c in world.clients.items()}
    try:
        return _rolled_back(action)
    finally:
        for persona, jar in cookies.items():
            world.clients[persona].cookies = jar


def _rolled_back(action):
    with transaction.atomic():
        try:
            return action()
        except ServerError as error:
            return str(error)
        except Recorded:
            return None
        finally:
            transaction.set_rollback(True)


def record(method, path_or_route, where, problem, persona, example):
    """Keep one line per distinct (method, URL pattern, field, kind of problem)."""
    route = path_or_route if "<" in path_or_route else route_of(path_or_route)
    kind = problem.split(":")[0] if not problem.startswith("partial write") else problem
    key = (method, route, where, kind)
    entry = STATS.failures.setdefault(key, {"personas": set(), "problem": problem, "example": ""})
    entry["personas"].add(persona)
    entry["example"] = entry["example"] or repr(example)[:160]


def failure_report(since: int) -> str:
    lines = []
    for (method, route, where, _kind), entry in list(STATS.failures.items())[since:]:
        lines.append(
            f"{method} {route} [{where}] as {','.join(sorted(entry['personas']))}: "
            f"{entry['problem']}  e.g. {entry['example']}"
        )
    return f"{len(lines)} failing combinations:\n" + "\n".join(lines)


def check_write(method, path, where, persona, example, before, response):
    """A refused request must leave every table as it was. (Accepted ones that wrote are
    counted, to show that the fingerprint does see writes.)"""
    moved = changed(before, fingerprint())
    if not refused(response):
        STATS.saves += bool(moved)
        return False
    if moved:
        STATS.partial_writes += 1
        record(method, path, where, f"partial write: {', '.join(moved)}", persona, example)
    return True


# Discovery ------------------------------------------------------------------------------


@dataclass
class Page:
    route: Route
    path: str
    persona: str
    status: int
    final_path: str
    get_forms: list
    post_forms: list
    download: bool
    to_sign_in: bool


def discover(world) -> list[Page]:
    """GET every filled URL pattern as every persona (following one redirect for the forms)."""
    pages = []
    for route in routes():
        for values in world.fills(route):
            path = route.path({name: quote(value, safe="") for name, value in values.items()})
            for persona in PERSONAS:
                client = world.client(persona)
                response = send(client, "get", path)
                final_path, shown = path, response
                redirect = response.status_code in (301, 302)
                to_sign_in = redirect and response.url.startswith(LOGIN_PATH)
                if redirect and not to_sign_in:
                    final_path = response.url
                    shown = send(client, "get", final_path)
                pages.append(
                    Page(
                        route=route,
                        path=path,
                        persona=persona,
                        status=response.status_code,
                        final_path=final_path,
                        get_forms=forms_in(shown, "get"),
                        post_forms=forms_in(shown, "post") if shown.status_code == 200 else [],
                        download=response.status_code == 200
                        and "text/html" not in response.get("Content-Type", ""),
                        to_sign_in=to_sign_in,
                    )
                )
    return pages


@pytest.fixture
def pages(world):
    with transaction.atomic():
        found = discover(world)
        transaction.set_rollback(True)
    return found


# GET: query strings and path parameters -------------------------------------------------


def query_string(pairs, tail):
    encoded = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    return "&".join(part for part in (encoded, tail) if part)


def get_probe(world, page, names, examples):
    client = world.client(page.persona)
    pair = st.tuples(st.one_of(st.sampled_from(names), hostile_name), hostile_text)
    numeric = st.tuples(st.sampled_from(names), hostile_number)

    def get_once(pairs, tail):
        before = fingerprint()
        send(client, "get", f"{page.path}?{query_string(pairs, tail)}")
        moved = changed(before, fingerprint())
        if moved:
            STATS.partial_writes += 1
            record("GET", page.path, "query", f"partial write: {moved}", page.persona, pairs)

    @probe(examples)
    @given(
        pairs=st.lists(st.one_of(pair, numeric), min_size=1, max_size=4),
        tail=st.one_of(st.just(""), st.sampled_from(RAW_QUERY_TAILS)),
    )
    def run(pairs, tail):
        problem = isolated(lambda: get_once(pairs, tail), world)
        if problem:
            # Name the parameter that does it, when one alone is enough.
            culprits = [
                name
                for name, value in pairs
                if isolated(lambda n=name, v=value: get_once([(n, v)], ""), world)
            ]
            where = "query " + (",".join(sorted(set(culprits))) or f"{pairs!r:.60} {tail}")
            record("GET", page.path, where, problem, page.persona, (pairs, tail))

    run()


def readable(pages):
    """Pages a persona is shown or sent on from, not those that send them to sign in."""
    return [p for p in pages if p.status < 400 and not p.to_sign_in]


def query_sweep(world, page, names):
    """Each filter the page offers, alone, with each value of SWEEP."""
    client = world.client(page.persona)
    for name in names:
        for value in SWEEP:

            def get_once(name=name, value=value):
                send(client, "get", f"{page.path}?{query_string([(name, value)], '')}")

            problem = isolated(get_once, world)
            if problem:
                record("GET", page.path, f"query {name}", problem, page.persona, value)


def test_hostile_query_strings_and_path_parameters(world, pages):
    """No GET of any page answers 5xx or writes, whatever its query string or path holds."""
    since = len(STATS.failures)
    for page in readable(pages):
        names = {f.name for form in page.get_forms for f in form.fields}
        examples = QUERY_EXAMPLES if names else PLAIN_QUERY_EXAMPLES
        get_probe(world, page, sorted(names | set(GUESSED_NAMES[:3])), examples)
        query_sweep(world, page, sorted(names | {"page"}))

    for route in routes():
        reachable = [p for p in readable(pages) if p.route == route]
        reachable.sort(key=lambda p: p.status != 200)  # a page shown, before a redirect
        if reachable and route.parameters:
            real = world.fills(route)[0]
            for name, converter in route.parameters:
                path_probe(world, route, reachable[0].persona, real, name, converter)

    assert len(STATS.failures) == since, failure_report(since)


def path_probe(world, route, persona, real, name, converter):
    """Every fixed hostile value for the parameter, then PATH_EXAMPLES drawn ones."""
    client = world.client(persona)
    pattern = "/" + route.route

    def get_once(value):
        values = {key: quote(v, safe="") for key, v in real.items()}
        values[name] = value
        path = route.path(values)

        def action():
            before = fingerprint()
            send(client, "get", path)
            moved = changed(before, fingerprint())
            if moved:
                STATS.partial_writes += 1
                record("GET", pattern, f"path {name}", f"partial write: {moved}", persona, path)

        problem = isolated(action, world)
        if problem:
            record("GET", pattern, f"path <{converter}:{name}>", problem, persona, value)

    for value in fixed_path_values(converter):
        get_once(value)

    @probe(PATH_EXAMPLES)
    @given(value=path_values(converter))
    def run(value):
        get_once(value)

    run()


# POST: every form -----------------------------------------------------------------------


def draw_choices(data, form) -> dict:
    """Which radios, boxes and options a person picks: as shown, all at random, or one field
    changed (so that a form of 70 radios is still sometimes valid)."""
    pickable = [f for f in form.fields if f.kind in ("radio", "checkbox", "select")]
    mode = data.draw(st.sampled_from(["as shown", "as shown", "at random", "one changed"]))
    if mode == "as shown" or not pickable:
        return {}
    if mode == "one changed":
        one = data.draw(st.sampled_from(pickable))
        pickable = [f for f in pickable if f.name == one.name]
    choices = {}
    for f in pickable:
        key = (f.kind, f.name)
        if f.kind == "radio" and key not in choices:
            values = [g.value for g in form.fields if g.kind == "radio" and g.name == f.name]
            choices[key] = data.draw(st.sampled_from([None, *values]))
        elif f.kind == "checkbox":
            choices[(f.kind, f.name, f.value)] = data.draw(st.booleans())
        elif f.kind == "select":
            values = [value if value is not None else text for value, _sel, text in f.options]
            values = values or [""]
            if f.multiple:
                choices[key] = data.draw(st.lists(st.sampled_from(values), max_size=3))
            else:
                choices[key] = [data.draw(st.sampled_from(values))]
    return choices


def baseline(form, choices) -> list[tuple[str, str]]:
    """What a person might submit: the values shown, with the radio, boxes and options picked."""
    pairs, done = [], set()
    for f in form.fields:
        if f.kind == "file":
            continue
        if f.kind == "radio":
            if f.name not in done:
                done.add(f.name)
                chosen = choices.get((f.kind, f.name), f.value if f.checked else None)
                if chosen is not None:
                    pairs.append((f.name, chosen))
        elif f.kind == "checkbox":
            if choices.get((f.kind, f.name, f.value), f.checked):
                pairs.append((f.name, f.value))
        elif f.kind == "select":
            shown = [v if v is not None else t for v, selected, t in f.options if selected]
            pairs += [(f.name, v) for v in choices.get((f.kind, f.name), shown[:1])]
        elif f.kind == "password" and not f.value:
            pairs.append((f.name, TYPED_PASSWORD))  # a person types one; pages never show it
        else:
            pairs.append((f.name, f.value))
    return pairs


def mutation(form):
    names = sorted({f.name for f in form.fields if f.name != CSRF})
    management = [name for name in names if MANAGEMENT.search(name)]
    named = st.sampled_from(names or ["x"])
    choices = [
        st.tuples(st.just("replace"), named, hostile_text),
        st.tuples(st.just("replace"), named, hostile_number),
        st.tuples(st.just("drop"), named, st.just("")),
        st.tuples(st.just("duplicate"), named, hostile_text),
        st.tuples(st.just("extra"), hostile_name, hostile_text),
        st.tuples(st.just("every text field"), st.just("*"), hostile_text),
    ]
    if management:
        kinds = sorted({MANAGEMENT.search(name).group(1) for name in management})
        tamper = st.tuples(st.just("tamper"), st.sampled_from(kinds), hostile_number)
        choices += [tamper] * 4
    return st.one_of(choices)


def apply(pairs, form, ops):
    pairs = list(pairs)
    for op, name, value in ops:
        if op == "tamper":
            pairs = [(n, value if n.endswith(f"-{name}_FORMS") else v) for n, v in pairs]
        elif op == "replace":
            at = next((i for i, (n, _v) in enumerate(pairs) if n == name), None)
            if at is None:
                pairs.append((name, value))
            else:
                pairs[at] = (name, value)
        elif op == "drop":
            pairs = [(n, v) for n, v in pairs if n != name]
        elif op in ("duplicate", "extra"):
            pairs.append((name, value))
        elif op == "every text field":
            texts = {f.name for f in form.fields if f.kind in FREE_TEXT}
            pairs = [(n, value if n in texts else v) for n, v in pairs]
    return pairs


def describe(ops) -> str:
    return "; ".join(
        f"tamper *-{name}_FORMS" if op == "tamper" else f"{op} {normalise(name)}"
        for op, name, _value in ops
    )


def file_fields(form):
    return [f.name for f in form.fields if f.kind == "file"]


hostile_file = st.one_of(
    st.binary(max_size=200),
    hostile_text.map(lambda text: text.encode()),
    st.lists(st.lists(hostile_text, min_size=1, max_size=4), min_size=1, max_size=4).map(
        lambda rows: "\n".join(",".join(row) for row in rows).encode()
    ),
    st.just("\ufeffa,b\n1,2\n".encode("utf-16")),
)


def post_kwargs(form, pairs, files):
    """A browser's encoding of the form: url-encoded, or multipart with files."""
    if "multipart" in form.enctype:
        data = {}
        for name, value in pairs:
            data.setdefault(name, []).append(value)
        for name, content in files.items():
            data[name] = SimpleUploadedFile("upload.csv", content, content_type="text/csv")
        return {"data": data}
    return {"data": urlencode(pairs), "content_type": "application/x-www-form-urlencoded"}


@dataclass
class Target:
    """A form as one persona is shown it on one page."""

    page: Page
    index: int
    form: Form

    @property
    def signature(self):
        """The same form on another page or for another persona is posted once (by the first
        persona in PERSONAS who is shown it); the others post it as cross-persona examples."""
        names = sorted({normalise(f.name) for f in self.form.fields})
        return (self.form.action or self.page.path, tuple(names))


def targets(pages) -> list[Target]:
    found, seen = [], set()
    for page in pages:
        for index, form in enumerate(page.post_forms):
            target = Target(page, index, form)
            if target.signature not in seen:
                seen.add(target.signature)
                found.append(target)
    return found


def fresh_form(client, target):
    """The form as its persona is shown it. Every example starts from the same rolled-back
    data, so the form found at discovery still holds, unless the page was reached through a
    redirect that keeps something in the session (a reset link): then GET it again."""
    if target.page.final_path == target.page.path:
        return target.form, target.form.action or target.page.path
    response = send(client, "get", target.page.path, follow=True)
    forms = forms_in(response, "post")
    if target.index >= len(forms):
        raise ServerError(f"form {target.index} gone from {target.page.path}")
    action = forms[target.index].action or response.request["PATH_INFO"]
    return forms[target.index], action


def downloads_for(pages, persona, action_path):
    """Downloads the persona may fetch that show the same records as the path posted to:
    every URL parameter the two have in common (partnership, cycle) is the same."""
    posted = resolve(urlsplit(action_path).path).kwargs
    found = set()
    for page in pages:
        if page.persona != persona or not page.download:
            continue
        shown = resolve(page.path).kwargs
        if all(shown[key] == value for key, value in posted.items() if key in shown):
            found.add(page.path)
    return sorted(found)


@dataclass
class Post:
    """One form, pressed with one button, as one persona."""

    world: World
    pages: list
    target: Target
    button: tuple  # (name, values)
    poster: str

    def attempt(self, ops, press, choices, files, *, reread_downloads=False):
        """Post once in a rolled-back savepoint; return the 5xx seen, if any.

        A refusal must leave every table as it was; after a success, the page it leads to
        (and, if asked, every download of the same records) must still answer.
        """
        shown_to = self.world.client(self.target.page.persona)
        sender = self.world.client(self.poster)
        name = self.button[0]

        def action():
            form, action_path = fresh_form(shown_to, self.target)
            pairs = apply(baseline(form, choices), form, ops)
            if name:
                pairs.append((name, press))
            before = fingerprint()
            response = send(sender, "post", action_path, **post_kwargs(form, pairs, files))
            where = f"{describe(ops)} | button {name}"
            if check_write("POST", action_path, where, self.poster, pairs, before, response):
                return
            reread = [response.url]
            if reread_downloads:
                reread += downloads_for(self.pages, self.poster, action_path)
            for path in reread:
                try:
                    send(sender, "get", path)
                except ServerError as error:
                    after = f"after POST {route_of(action_path)} {where}"
                    record("GET", path, after, str(error), self.poster, pairs)
                    raise Recorded from None

        return isolated(action, self.world)

    def check(self, ops, press, choices=None, files=None, **kwargs):
        """Attempt, and record a 5xx against the one change that causes it, if one does."""
        choices = choices or {}
        files = files if files is not None else dict.fromkeys(file_fields(self.target.form), b"a")
        problem = self.attempt(ops, press, choices, files, **kwargs)
        if problem:
            culprits = [
                op for op in ops if len(ops) > 1 and self.attempt([op], press, choices, files)
            ]
            where = f"{describe(culprits or ops)} | button {self.button[0]}"
            path = self.target.form.action or self.target.page.final_path
            record("POST", path, where, problem, self.poster, (ops, press))

    def probe(self, changes, examples, *, hostile_button=True, reread_downloads=False):
        """Hypothesis draws the changes, the button's value and the person's choices."""
        values = self.button[1]
        pressed = (
            st.one_of(*[st.sampled_from(values)] * 3, hostile_text)
            if hostile_button
            else st.sampled_from(values)
        )

        @probe(examples)
        @given(data=st.data())
        def run(data):
            ops = data.draw(changes)
            press = data.draw(pressed)
            files = {n: data.draw(hostile_file) for n in file_fields(self.target.form)}
            choices = draw_choices(data, self.target.form)
            self.check(ops, press, choices, files, reread_downloads=reread_downloads)

        run()


TAMPERED = ["abc", "", "-1", "1.5", "1001", "99999999999999999999", "\x00"]  # formset counts
SWEEP = ["a\x00b", "99999999999999999999", "x" * 300]  # into every field, one at a time
STORED_SWEEP = "Minutes \x04\x1b\x0c of the board"  # saved into every free-text field


def probe_form(world, pages, target, swept):
    """Every button of the form: hostile changes, formset counts tampered, every field swept,
    hostile text stored and downloaded again; then the form as every other persona."""
    shown_to = target.page.persona
    form = target.form
    free = sorted({f.name for f in form.fields if f.kind in FREE_TEXT}) or ["x"]
    store = st.one_of(
        st.tuples(st.just("every text field"), st.just("*"), stored_text),
        st.tuples(st.just("replace"), st.sampled_from(free), stored_text),
    ).map(lambda op: [op])
    kinds = sorted({m.group(1) for f in form.fields if (m := MANAGEMENT.search(f.name))})
    for button in buttons_of(form):
        post = Post(world, pages, target, button, shown_to)
        post.probe(st.lists(mutation(form), min_size=1, max_size=3), FORM_EXAMPLES)
        post.probe(store, STORED_EXAMPLES, hostile_button=False, reread_downloads=True)
        for kind in kinds:
            for value in TAMPERED:
                post.check([("tamper", kind, value)], button[1][0])
            tamper = st.tuples(st.just("tamper"), st.just(kind), hostile_number)
            post.probe(tamper.map(lambda op: [op]), TAMPER_EXAMPLES, hostile_button=False)
    names = sorted({f.name for f in form.fields if f.name != CSRF})
    if (target.signature[1]) not in swept:
        swept.add(target.signature[1])
        post = Post(world, pages, target, buttons_of(form)[0], shown_to)
        seen = set()
        for name in names:
            if normalise(name) not in seen:
                seen.add(normalise(name))
                for value in SWEEP:
                    post.check([("replace", name, value)], post.button[1][0])
        # Control characters saved into each free-text field, then every download.
        for name in sorted({f.name for f in form.fields if f.kind in FREE_TEXT}):
            if normalise(name) in seen:
                seen.discard(normalise(name))
                for button in buttons_of(form):
                    post = Post(world, pages, target, button, shown_to)
                    ops = [("replace", name, STORED_SWEEP)]
                    post.check(ops, button[1][0], reread_downloads=True)
    for poster in PERSONAS:
        if poster != shown_to:
            post = Post(world, pages, target, buttons_of(form)[-1], poster)
            post.probe(st.lists(mutation(form), min_size=0, max_size=2), CROSS_PERSONA_EXAMPLES)


def buttons_of(form):
    groups = {}
    for name, value in form.buttons:
        groups.setdefault(name, []).append(value)
    return list(groups.items()) or [(None, [""])]


def test_hostile_form_posts_encodings_and_methods(world, pages):
    """No form answers 5xx, and a refused post writes nothing, whatever is posted, in whatever
    encoding, and by whom; what a successful post stored can be downloaded again; no page
    answers 5xx to another method."""
    since = len(STATS.failures)
    for target in targets(pages):
        for label, encode, content_type in ENCODINGS:
            post_encoded(world, target, label, encode, content_type)
    for route in routes():
        page = next((p for p in readable(pages) if p.route == route), None)
        for method in ("put", "patch", "delete", "options", "head") if page else ():
            send_method(world, page, method)
    swept = set()
    for target in targets(pages):
        probe_form(world, pages, target, swept)
    assert len(STATS.failures) == since, failure_report(since)
    assert STATS.saves, "no post was ever accepted: the partial-write check saw nothing"


# Encodings and methods ------------------------------------------------------------------

ENCODINGS = [
    (
        "utf-16",
        lambda body: body.encode("utf-16"),
        "application/x-www-form-urlencoded; charset=utf-16",
    ),
    (
        "utf-32",
        lambda body: body.encode("utf-32"),
        "application/x-www-form-urlencoded; charset=utf-32",
    ),
    (
        "bad utf-8",
        lambda body: body.encode() + b"&x=\xff\xfe\xc0\xaf",
        "application/x-www-form-urlencoded; charset=utf-8",
    ),
    (
        "latin-1 declared",
        lambda body: body.encode(),
        "application/x-www-form-urlencoded; charset=iso-8859-1",
    ),
    (
        "unknown charset",
        lambda body: body.encode(),
        "application/x-www-form-urlencoded; charset=no-such",
    ),
    ("multipart without boundary", lambda body: body.encode(), "multipart/form-data"),
    ("json", lambda body: b'{"a": "\\u0000"}', "application/json"),
    (
        "too big",
        lambda body: body.encode() + b"&x=" + b"a" * 3_000_000,
        "application/x-www-form-urlencoded",
    ),
    (
        "too many fields",
        lambda body: body.encode() + b"&x=1" * 1_200,
        "application/x-www-form-urlencoded",
    ),
]


def post_encoded(world, target, label, encode, content_type):
    """Post the form's shown values in an odd encoding; record a 5xx or a partial write."""
    persona = target.page.persona
    where = f"body {label}"

    def action():
        client = world.client(persona)
        form, action_path = fresh_form(client, target)
        pairs = [(f.name, f.value + "\u00e9\x00") for f in form.fields if f.kind != "file"]
        before = fingerprint()
        try:
            response = send(
                client,
                "raw",
                action_path,
                data=encode(urlencode(pairs)),
                content_type=content_type,
            )
        except ServerError as error:
            record("POST", action_path, where, str(error), persona, label)
            raise Recorded from None
        check_write("POST", action_path, where, persona, label, before, response)

    isolated(action, world)


def send_method(world, page, method):
    """Send the page another method with a body; record a 5xx or a write."""

    def action():
        before = fingerprint()
        try:
            body = {} if method == "head" else {"data": b"a=%00", "content_type": FORM}
            response = send(world.client(page.persona), method, page.path, **body)
        except ServerError as error:
            record(method.upper(), page.path, "method", str(error), page.persona, "")
            raise Recorded from None
        check_write(method.upper(), page.path, "method", page.persona, "", before, response)

    isolated(action, world)
