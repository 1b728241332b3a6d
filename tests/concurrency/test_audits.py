"""Races on audits: two Panel staff moderating from the same loaded page, and a double
press of "Start audit". Each request goes through the test client in its own thread."""

import threading
from unittest import mock

import pytest
from django.test import Client

from audits import services
from audits.models import Audit, Response
from tests.audits.factories import CycleFactory, submitted_audit
from tests.audits.page_forms import PageForm
from tests.partnerships.factories import UserFactory

from .conftest import run_together

PANEL_PAGE = "/panel/cycles/2026-27/audits/northshire/"
RATING = "Moderated rating for item {ref}"
NOTE = "Moderation note for item {ref} (optional)"


class Tally:
    """Requests sent and 5xx answers seen, for the report."""

    def __init__(self):
        self.sent = 0
        self.server_errors = 0
        self._lock = threading.Lock()

    def post(self, client, url, data):
        response = client.post(url, data)
        with self._lock:
            self.sent += 1
            self.server_errors += response.status_code >= 500
        return response


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def reviewers(panel):
    return panel, UserFactory(email="second.reviewer@example.org", is_panel_staff=True)


@pytest.fixture
def submitted(northshire, lead):
    return submitted_audit(partnership=northshire, lead=lead, cycle=CycleFactory())


def moderated(audit, ref):
    response = Response.objects.get(audit=audit, item__ref=ref)
    return response.moderated_rating, response.moderation_note


def lost_updates(audit, saved):
    """How many moderations answered as saved are not what is stored now."""
    return sum(moderated(audit, ref) != wanted for ref, wanted in saved)


def test_moderation_from_the_same_page_at_once_loses_nothing(submitted, reviewers):
    """Two Panel staff load the page and save at the same moment, each rating a different
    item: neither is refused, since neither touched the other's item, and both are stored."""
    tally = Tally()
    clients = [signed_in(user) for user in reviewers]
    pages = [PageForm(client.get(PANEL_PAGE).content.decode()) for client in clients]
    wanted = [("1.1", (0, "First reviewer")), ("1.2", (3, "Second reviewer"))]
    posts = []
    for page, (ref, (rating, note)) in zip(pages, wanted, strict=True):
        page.set(RATING.format(ref=ref), str(rating)).set(NOTE.format(ref=ref), note)
        posts.append(page.post(moderate="1"))

    answers = run_together(
        *(
            lambda c=client, d=data: tally.post(c, PANEL_PAGE, d)
            for client, data in zip(clients, posts, strict=True)
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    print(f"moderation at once: sent={tally.sent} 5xx={tally.server_errors} statuses={statuses}")
    print(f"lost updates: {lost_updates(submitted, wanted)} of {len(wanted)} saved")
    assert tally.server_errors == 0
    assert statuses == [302, 302]
    assert lost_updates(submitted, wanted) == 0


def test_moderation_of_the_same_item_at_once_refuses_one(submitted, reviewers):
    """Two Panel staff change the same item from the same page at the same moment: one is
    stored and the other is refused with the banner, never silently overwritten."""
    tally = Tally()
    clients = [signed_in(user) for user in reviewers]
    pages = [PageForm(client.get(PANEL_PAGE).content.decode()) for client in clients]
    wanted = [("1.1", (0, "First reviewer")), ("1.1", (3, "Second reviewer"))]
    posts = []
    for page, (ref, (rating, note)) in zip(pages, wanted, strict=True):
        page.set(RATING.format(ref=ref), str(rating)).set(NOTE.format(ref=ref), note)
        posts.append(page.post(moderate="1"))

    answers = run_together(
        *(
            lambda c=client, d=data: tally.post(c, PANEL_PAGE, d)
            for client, data in zip(clients, posts, strict=True)
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    saved = [w for w, a in zip(wanted, answers, strict=True) if a.status_code == 302]
    print(f"same item at once: sent={tally.sent} 5xx={tally.server_errors} statuses={statuses}")
    print(f"lost updates: {lost_updates(submitted, saved)} of {len(saved)} saved")
    assert tally.server_errors == 0
    assert statuses == [200, 302]
    assert lost_updates(submitted, saved) == 0
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "Someone else has changed moderated ratings" in refused.content.decode()


def press_until_saved(tally, client, url, answer, **button):
    """Press the button again on a page answered with the conflict banner, as a person told
    "press your button again" would; return every answer."""
    answers = [answer]
    if answer.status_code == 200 and 'data-testid="conflict"' in answer.content.decode():
        again = PageForm(answer.content.decode()).post(**button)
        answers.append(tally.post(client, url, again))
    return answers


def test_stale_moderation_page_saving_another_item_keeps_the_first(submitted, reviewers):
    """Issue 9 point 5: A saves item 1.3; B, from a page loaded before, changes only 1.4 and
    presses Save (again, if told to). A's rating and note survive, B's 1.4 is stored, and
    B's first press is not refused, since B never touched 1.3."""
    tally = Tally()
    first, second = (signed_in(user) for user in reviewers)
    stale = PageForm(second.get(PANEL_PAGE).content.decode())
    fresh = PageForm(first.get(PANEL_PAGE).content.decode())
    fresh.set(RATING.format(ref="1.3"), "3").set(NOTE.format(ref="1.3"), "First reviewer")
    assert tally.post(first, PANEL_PAGE, fresh.post(moderate="1")).status_code == 302

    stale.set(RATING.format(ref="1.4"), "1").set(NOTE.format(ref="1.4"), "Second reviewer")
    answer = tally.post(second, PANEL_PAGE, stale.post(moderate="1"))
    answers = press_until_saved(tally, second, PANEL_PAGE, answer, moderate="1")
    statuses = [a.status_code for a in answers]
    lost = lost_updates(submitted, [("1.3", (3, "First reviewer"))])
    print(f"stale page, other item: sent={tally.sent} 5xx={tally.server_errors}")
    print(f"B's presses answered {statuses}; lost updates of A's save: {lost}")
    print(f"1.3 now {moderated(submitted, '1.3')}, 1.4 now {moderated(submitted, '1.4')}")
    assert tally.server_errors == 0
    assert lost == 0
    assert moderated(submitted, "1.4") == (1, "Second reviewer")
    assert statuses == [302]


def test_stale_moderation_page_saving_the_same_item_is_refused(submitted, reviewers):
    """B's page was loaded before A saved item 1.1 and B changes 1.1 too: B is refused,
    A's rating stays, B's typed values are shown again, and 1.2, which B did not touch,
    now shows what is stored."""
    tally = Tally()
    first, second = (signed_in(user) for user in reviewers)
    stale = PageForm(second.get(PANEL_PAGE).content.decode())
    fresh = PageForm(first.get(PANEL_PAGE).content.decode())
    fresh.set(RATING.format(ref="1.1"), "0").set(NOTE.format(ref="1.1"), "First reviewer")
    fresh.set(NOTE.format(ref="1.2"), "Also first")
    assert tally.post(first, PANEL_PAGE, fresh.post(moderate="1")).status_code == 302

    stale.set(RATING.format(ref="1.1"), "3").set(NOTE.format(ref="1.1"), "Second reviewer")
    answer = tally.post(second, PANEL_PAGE, stale.post(moderate="1"))
    print(f"stale moderation: sent={tally.sent} 5xx={tally.server_errors}")
    print(f"1.1 now {moderated(submitted, '1.1')}, 1.2 now {moderated(submitted, '1.2')}")
    assert tally.server_errors == 0
    assert moderated(submitted, "1.1") == (0, "First reviewer")
    assert answer.status_code == 200
    shown = PageForm(answer.content.decode())
    assert shown.value(NOTE.format(ref="1.1")) == "Second reviewer"
    assert shown.value(RATING.format(ref="1.1")) == "3"
    assert shown.value(NOTE.format(ref="1.2")) == "Also first"


def theme_page(client, cycle):
    url = f"/p/northshire/audits/{cycle.name}/themes/4/"
    return url, PageForm(client.get(url).content.decode())


def test_stale_theme_page_saving_another_item_keeps_the_first(northshire, lead, contributor):
    """Issue 9 point 5 on the theme page: A rates 4.1 with evidence; B, from a page loaded
    before, rates only 4.2 and saves (again, if told to). A's 4.1 survives and B's 4.2 is
    stored at the first press."""
    cycle = CycleFactory()
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    items = {r.item.ref: r.item_id for r in audit.responses.select_related("item")}
    tally = Tally()
    first, second = signed_in(lead), signed_in(contributor)
    url, stale = theme_page(second, cycle)
    _, fresh = theme_page(first, cycle)
    fresh.data |= {f"i{items['4.1']}-rating": "3", f"i{items['4.1']}-evidence": "A's evidence"}
    assert tally.post(first, url, fresh.post(action="later")).status_code == 302

    stale.data |= {f"i{items['4.2']}-rating": "3", f"i{items['4.2']}-evidence": "B's evidence"}
    answer = tally.post(second, url, stale.post(action="later"))
    answers = press_until_saved(tally, second, url, answer, action="later")
    statuses = [a.status_code for a in answers]
    one, two = (Response.objects.get(audit=audit, item__ref=ref) for ref in ("4.1", "4.2"))
    lost = int((one.rating, one.evidence) != (3, "A's evidence"))
    print(f"stale theme page, other item: sent={tally.sent} 5xx={tally.server_errors}")
    print(f"B's presses answered {statuses}; lost updates of A's save: {lost}")
    print(f"4.1 now {(one.rating, one.evidence)}, 4.2 now {(two.rating, two.evidence)}")
    assert tally.server_errors == 0
    assert lost == 0
    assert (two.rating, two.evidence) == (3, "B's evidence")
    assert statuses == [302]


def test_double_start_makes_one_audit_and_no_error(northshire, lead, contributor):
    """Two presses of "Start audit" that both find no audit yet: exactly one audit is made,
    and both requests are answered with a redirect to the task list, never a 500."""
    cycle = CycleFactory()
    url = f"/p/northshire/audits/{cycle.name}/"
    tally = Tally()
    # Both requests check "no audit yet" before either creates one: hold each, once past
    # that check (carrying forward looks up the previous audit next), until both are there.
    both_checked = threading.Barrier(2, timeout=10)
    look_up = services.previous_audit

    def after_check(**kwargs):
        both_checked.wait()
        return look_up(**kwargs)

    clients = [signed_in(lead), signed_in(contributor)]
    with mock.patch.object(services, "previous_audit", after_check):
        answers = run_together(
            *(lambda c=client: tally.post(c, url, {"carry_forward": "yes"}) for client in clients)
        )
    statuses = [answer.status_code for answer in answers]
    print(f"double start: sent={tally.sent} 5xx={tally.server_errors} statuses={statuses}")
    assert tally.server_errors == 0
    assert statuses == [302, 302]
    assert Audit.objects.filter(partnership=northshire, cycle=cycle).count() == 1
    assert Response.objects.filter(audit__cycle=cycle).count() == 34
    shown = sorted(
        "Audit started" if "Audit started" in page else "already started"
        for page in (client.get(url).content.decode() for client in clients)
    )
    assert shown == ["Audit started", "already started"]
