"""The audit pages through the test client: tenancy, the theme form, conflicts, checking and
submitting, the Panel's review, the report and its exports, and pinned query counts."""

import csv
import io
import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audits import services
from audits.forms import DUE_LABEL
from audits.models import Action, Audit, AuditEvent, Cycle, FrameworkVersion, Item, Response, Theme
from partnerships.months import MONTH_NOT_REAL

from .page_forms import PageForm

pytestmark = pytest.mark.django_db

CYCLE = "2026-27"
BASE = f"/p/northshire/audits/{CYCLE}/"
EVIDENCE = "Board minutes, March 2026"
AUDIT_PAGES = [
    "",
    "themes/1/",
    "check/",
    "submitted/",
    "report/",
    "export.csv",
    "export.xlsx",
]
PANEL_PAGES = [
    "/panel/cycles/",
    "/panel/cycles/new/",
    f"/panel/cycles/{CYCLE}/",
    f"/panel/cycles/{CYCLE}/audits/northshire/",
]

# The most queries each page may run, whatever the number of answers and actions (15 for the
# report and the Panel's audit before their themes, items and scores came with the responses;
# 11, 11, 11 and 10 before the cycle came with the audit and a published version's themes and
# scale from the cache). "panel audit" counts the Panel's verified second-factor device
# (django-otp) too. The theme page was 6 before it showed what happened to the last cycle's
# done and dropped actions (one query for the whole theme). "panel audit, version 2" adds
# the figures kept at submission (one query) and the record of the restricted view (its
# insert); tests/audits/test_panel_evidence.py holds it. The report and the Panel's audit
# were 7 before they showed the partner agencies' spread (one query for every item); the
# theme page asks whether the partnership has agencies with its responses, so without them
# it is unchanged (tests/agencies/test_views.py pins it with agencies).
MAX_QUERIES = {
    "task list": 7,
    "theme page": 7,
    "report": 8,
    "panel audit": 8,
    "panel audit, version 2": 8 + 2,
}
# On a version 2 audit, one more: the figures from the partnership's own reviews
# (tests/audits/test_evidence_pages.py holds them to the version 1 count plus one).
MAX_QUERIES_VERSION_2 = {"theme page": 8, "report": 9}


# Helpers -------------------------------------------------------------------------------


def make_cycle(name=CYCLE, *, opens_days_ago=30, closes_in_days=30) -> Cycle:
    today = timezone.localdate()
    return Cycle.objects.create(
        name=name,
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=opens_days_ago),
        closes_on=today + timedelta(days=closes_in_days),
    )


def due_next_month() -> date:
    return (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)


def action_line(what="Train every social worker", owner="Head of learning"):
    return services.ActionLine(what=what, owner=owner, due_month=due_next_month())


def answer_theme(audit, number, *, by, rating=2, evidence=EVIDENCE, actions=(), only=None):
    """Answer a theme's items (all of them, or the refs in `only`) through the service."""
    theme = Theme.objects.get(version_id=audit.cycle.version_id, number=number)
    responses = list(Response.objects.filter(audit=audit, item__theme=theme).select_related("item"))
    answers = {
        r.item_id: services.ItemAnswer(rating=rating, evidence=evidence, actions=list(actions))
        for r in responses
        if only is None or r.item.ref in only
    }
    services.theme_save(
        audit=audit,
        theme=theme,
        answers=answers,
        seen_revisions={r.item_id: r.revision for r in responses},
        by=by,
    )


def complete(audit, *, by, rating=2, actions=()):
    """Answer every theme so that no rule is broken."""
    for number in range(1, 8):
        answer_theme(audit, number, by=by, rating=rating, actions=actions)
    audit.refresh_from_db()
    return audit


def response_for(audit, ref) -> Response:
    return Response.objects.get(audit=audit, item__ref=ref)


def text(response) -> str:
    return response.content.decode()


def form_data(page) -> dict:
    """What the theme page would post back as shown: every field of every item and action."""
    data = {}
    for block in page.context["blocks"]:
        form = block.form
        for name in ("rating", "evidence", "revision"):
            value = form[name].value()
            data[form[name].html_name] = "" if value is None else str(value)
        if form["confirm"].value():
            data[form["confirm"].html_name] = "on"
        management = block.actions.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
        for action in block.actions.forms:
            for name in ("id", "what", "owner"):
                value = action[name].value()
                data[action[name].html_name] = "" if value is None else str(value)
            due = action["due"]
            parts = due.field.widget.decompress(due.value()) if due.value() else ["", ""]
            if isinstance(due.value(), list):
                parts = due.value()
            for suffix, part in zip(("month", "year"), parts, strict=True):
                data[f"{due.html_name}_{suffix}"] = "" if part is None else str(part)
            if action["DELETE"].value():
                data[action["DELETE"].html_name] = "on"
    return data


def theme_statuses(html) -> dict[int, str]:
    """Theme number -> the status shown beside it on the task list."""
    found = re.findall(r'id="theme-(\d+)-status">(.*?)</div>', html, flags=re.S)
    return {int(number): re.sub(r"<[^>]+>", "", status).strip() for number, status in found}


def responses_snapshot(audit):
    return list(
        Response.objects.filter(audit=audit)
        .order_by("pk")
        .values_list("rating", "evidence", "revision", "carried_forward")
    )


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def cycle(db):
    return make_cycle()


@pytest.fixture
def audit(northshire, lead, cycle):
    return services.audit_start(partnership=northshire, cycle=cycle, by=lead)


@pytest.fixture
def items(db):
    return {item.ref: item for item in Item.objects.filter(theme__version__number=1)}


@pytest.fixture
def submitted(audit, lead, panel):
    complete(audit, by=lead)
    return services.audit_submit(audit=audit, by=lead)


# Tenancy -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", AUDIT_PAGES)
def test_other_partnership_gets_404_on_every_audit_page(client, audit, other_lead, page):
    """A lead of Eastmere gets 404 on every page of Northshire's audit, as if it did not exist."""
    client.force_login(other_lead)
    assert client.get(BASE + page).status_code == 404


@pytest.mark.parametrize("page", ["", "themes/1/", "check/"])
def test_other_partnership_posts_get_404_and_change_nothing(client, audit, other_lead, page):
    """Eastmere's lead cannot start, save or submit Northshire's audit: 404, nothing changes."""
    before = responses_snapshot(audit)
    client.force_login(other_lead)
    assert client.post(BASE + page, {"action": "later"}).status_code == 404
    assert responses_snapshot(audit) == before
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DRAFT


@pytest.mark.parametrize("page", AUDIT_PAGES)
def test_anonymous_is_sent_to_sign_in(client, audit, page):
    """Every audit page asks anonymous visitors to sign in first."""
    response = client.get(BASE + page)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={BASE + page}"


@pytest.mark.parametrize("page", ["", "themes/1/", "check/", "report/", "export.csv"])
def test_unknown_cycle_is_404(client, audit, lead, page):
    """A cycle name that does not exist answers 404."""
    client.force_login(lead)
    assert client.get(f"/p/northshire/audits/1999-00/{page}").status_code == 404


def test_unknown_theme_is_404(client, audit, lead):
    """A theme number the framework version does not have answers 404."""
    client.force_login(lead)
    assert client.get(BASE + "themes/8/").status_code == 404


def test_pages_of_an_audit_not_started_are_404(client, cycle, lead):
    """Until the audit is started only the task list exists; its other pages answer 404."""
    client.force_login(lead)
    assert client.get(BASE).status_code == 200
    for page in ("themes/1/", "check/", "report/", "export.csv"):
        assert client.get(BASE + page).status_code == 404


def test_unknown_cycle_is_404_for_panel(client, panel, northshire):
    """Panel staff get 404 for a cycle that does not exist."""
    client.force_login(panel)
    assert client.get("/panel/cycles/1999-00/").status_code == 404
    assert client.get("/panel/cycles/1999-00/audits/northshire/").status_code == 404


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "other_lead", "outsider"])
@pytest.mark.parametrize("page", PANEL_PAGES)
def test_panel_pages_are_403_for_everyone_else(client, request, audit, persona, page):
    """Only Panel staff reach the Panel's cycle and review pages; anyone else signed in gets 403."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page).status_code == 403


def test_lead_cannot_accept_through_the_panel_page(client, submitted, lead):
    """A lead posting the Panel's accept button gets 403 and the audit stays submitted."""
    client.force_login(lead)
    assert client.post(PANEL_PAGES[-1], {"accept": "1"}).status_code == 403
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.SUBMITTED


@pytest.mark.parametrize("page", PANEL_PAGES)
def test_panel_staff_reach_the_panel_pages(client, audit, panel, page):
    """Panel staff see each of the Panel's audit pages."""
    client.force_login(panel)
    assert client.get(page).status_code == 200


def test_panel_opens_a_cycle_and_sees_counts(client, submitted, panel):
    """Panel staff open a cycle, and the cycle list counts each cycle's audits by status."""
    client.force_login(panel)
    data = {
        "name": "2027-28",
        "version": str(FrameworkVersion.objects.get(number=1).pk),
        **{"opens_on_day": "1", "opens_on_month": "4", "opens_on_year": "2027"},
        **{"closes_on_day": "31", "closes_on_month": "3", "closes_on_year": "2028"},
    }
    response = client.post("/panel/cycles/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/panel/cycles/2027-28/"
    assert Cycle.objects.get(name="2027-28").created_by == panel
    again = client.post("/panel/cycles/new/", data)
    assert "There is already a cycle called 2027-28" in text(again)
    html = text(client.get("/panel/cycles/"))
    row = html[html.index(f'href="/panel/cycles/{CYCLE}/"') :]
    cells = re.findall(r'govuk-table__cell--numeric">(\d+)</td>', row)[:4]
    assert cells == ["0", "1", "0", "0"]


# Starting ------------------------------------------------------------------------------


def test_contributor_starts_the_audit(client, cycle, contributor, northshire):
    """A contributor starts the audit from the task list; it has a response for every item."""
    client.force_login(contributor)
    page = client.get(BASE)
    assert "Start audit" in text(page)
    response = client.post(BASE)
    assert response.status_code == 302
    assert response["Location"] == BASE
    audit = Audit.objects.get(partnership=northshire, cycle=cycle)
    assert audit.status == Audit.Status.DRAFT
    assert audit.responses.count() == 34
    event = AuditEvent.objects.get(audit=audit)
    assert (event.kind, event.by) == (AuditEvent.Kind.STARTED, contributor)
    html = text(client.get(BASE))
    assert "Audit started" in html
    assert "You have completed 0 of 7 themes" in html


def test_viewer_cannot_start_the_audit(client, cycle, viewer):
    """A viewer is not offered the start button, and posting anyway is 403 and creates nothing."""
    client.force_login(viewer)
    html = text(client.get(BASE))
    assert "Start audit" not in html
    assert "A contributor or lead can start it" in html
    assert client.post(BASE).status_code == 403
    assert not Audit.objects.exists()


def test_starting_twice_says_it_has_started(client, audit, contributor):
    """A second start is refused with a message, and the audit is not duplicated."""
    client.force_login(contributor)
    response = client.post(BASE, follow=True)
    assert "has already started its audit for 2026-27" in text(response)
    assert Audit.objects.count() == 1


def test_start_with_carry_forward_copies_last_answers(client, northshire, lead, contributor):
    """With an audit in an earlier cycle, starting offers to copy it, and copies are flagged."""
    earlier = make_cycle("2025-26", opens_days_ago=60, closes_in_days=60)
    previous = services.audit_start(partnership=northshire, cycle=earlier, by=lead)
    answer_theme(previous, 1, by=lead, rating=3, evidence="Earlier evidence")
    answer_theme(previous, 2, by=lead, rating=1, actions=[action_line()])
    cycle = make_cycle()
    client.force_login(contributor)
    html = text(client.get(BASE))
    assert "Copy your answers from 2025-26?" in html
    assert 'name="carry_forward" type="radio" value="yes"' in html

    response = client.post(BASE, {"carry_forward": "yes"}, follow=True)
    assert "marked &#x27;carried forward&#x27;" in text(response)
    audit = Audit.objects.get(partnership=northshire, cycle=cycle)
    assert audit.carried_forward_from == previous
    copied = response_for(audit, "1.1")
    assert (copied.rating, copied.evidence, copied.carried_forward) == (
        3,
        "Earlier evidence",
        True,
    )
    assert response_for(audit, "2.1").actions.get().what == "Train every social worker"
    assert not response_for(audit, "3.1").carried_forward
    html = text(client.get(BASE))
    assert "5 items, 5 carried forward and not yet reviewed" in html
    assert "4 items, 4 carried forward and not yet reviewed" in html
    assert theme_statuses(html)[1] == "In progress"


def test_start_without_carry_forward_is_blank(client, northshire, lead, contributor):
    """Answering no to the copy question starts a blank audit."""
    earlier = make_cycle("2025-26", opens_days_ago=60, closes_in_days=60)
    previous = services.audit_start(partnership=northshire, cycle=earlier, by=lead)
    answer_theme(previous, 1, by=lead, rating=3)
    make_cycle()
    client.force_login(contributor)
    client.post(BASE, {"carry_forward": "no"})
    audit = Audit.objects.get(cycle__name=CYCLE)
    assert audit.carried_forward_from is None
    assert not audit.responses.filter(carried_forward=True).exists()
    assert not audit.responses.filter(rating__isnull=False).exists()


# Task list -----------------------------------------------------------------------------


def test_task_list_shows_each_theme_status_and_progress(client, audit, lead, contributor):
    """Themes show Completed, In progress or Not started, with how many are complete."""
    answer_theme(audit, 1, by=lead)
    answer_theme(audit, 2, by=lead, rating=3, evidence="", only={"2.1"})
    client.force_login(contributor)
    html = text(client.get(BASE))
    assert theme_statuses(html) == {
        1: "Completed",
        2: "In progress",
        3: "Not started",
        4: "Not started",
        5: "Not started",
        6: "Not started",
        7: "Not started",
    }
    assert "You have completed 1 of 7 themes" in html
    assert f'href="{BASE}themes/2/"' in html


# Theme page ----------------------------------------------------------------------------


def test_save_and_come_back_later_saves_and_returns_to_task_list(client, audit, contributor, items):
    """Save and come back later writes the answers and goes back to the task list."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    item = items["1.1"]
    data |= {
        f"i{item.pk}-rating": "1",
        f"i{item.pk}-evidence": "  Audit of case files  ",
        f"i{item.pk}-actions-0-what": "Review case file audits",
        f"i{item.pk}-actions-0-owner": "Quality assurance team",
        f"i{item.pk}-actions-0-due_month": "3",
        f"i{item.pk}-actions-0-due_year": "2027",
        "action": "later",
    }
    response = client.post(BASE + "themes/1/", data)
    assert response.status_code == 302
    assert response["Location"] == BASE
    saved = response_for(audit, "1.1")
    assert (saved.rating, saved.evidence, saved.revision) == (1, "Audit of case files", 1)
    assert saved.updated_by == contributor
    action = saved.actions.get()
    assert (action.what, action.owner, action.due_month) == (
        "Review case file audits",
        "Quality assurance team",
        date(2027, 3, 1),
    )
    # Items left as they were are not written.
    assert response_for(audit, "1.2").revision == 0
    assert "Theme 1 saved" in text(client.get(BASE))


def test_save_and_continue_goes_to_the_next_theme(client, audit, contributor, items):
    """Save and continue saves; while items break a rule it stays on the theme, which lists
    them (tests/audits/test_theme_page.py shows it goes on once every rule is met)."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {f"i{items['1.2'].pk}-rating": "0", "action": "continue"}
    response = client.post(BASE + "themes/1/", data)
    assert response.status_code == 302
    assert response["Location"] == BASE + "themes/1/#rule-breaches"
    assert response_for(audit, "1.2").rating == 0


def test_save_and_continue_on_the_last_theme_goes_to_check(client, audit, contributor, items):
    """Save and continue on the last theme, every rule met, goes to check your answers."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/7/"))
    for ref in ("7.1", "7.2", "7.3", "7.4", "7.5"):
        data |= {f"i{items[ref].pk}-rating": "2", f"i{items[ref].pk}-evidence": "Minutes"}
    data["action"] = "continue"
    response = client.post(BASE + "themes/7/", data)
    assert response["Location"] == BASE + "check/"
    assert response_for(audit, "7.5").rating == 2


def test_invalid_due_month_shows_errors_keeps_input_and_saves_nothing(
    client, audit, contributor, items
):
    """A due month of 13 is reported, linked to its field, every value is kept, nothing saved."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    one, two = items["1.1"].pk, items["1.2"].pk
    data |= {
        f"i{one}-rating": "0",
        f"i{one}-evidence": "Typed evidence that must survive",
        f"i{one}-actions-0-what": "Set up a forum",
        f"i{one}-actions-0-owner": "Partnership manager",
        f"i{one}-actions-0-due_month": "13",
        f"i{one}-actions-0-due_year": "2027",
        f"i{two}-rating": "3",
        f"i{two}-evidence": "Evidence for the second item",
        "action": "later",
    }
    before = responses_snapshot(audit)
    response = client.post(BASE + "themes/1/", data)
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "<title>Error: " in html
    assert (
        f'<a href="#id_i{one}-actions-0-due_0">1.1: {MONTH_NOT_REAL.format(label=DUE_LABEL)}</a>'
    ) in html
    assert "Typed evidence that must survive</textarea>" in html
    assert "Evidence for the second item</textarea>" in html
    assert f'id="id_i{two}-rating_4"' in html
    assert re.search(rf'name="i{two}-rating"[^>]*value="3"[^>]*checked', html)
    assert re.search(rf'name="i{one}-rating"[^>]*value="0"[^>]*checked', html)
    assert 'value="Partnership manager"' in html
    assert 'value="13"' in html
    assert "Set up a forum</textarea>" in html
    assert responses_snapshot(audit) == before
    assert not Action.objects.exists()


def test_action_with_owner_but_no_what_is_an_error(client, audit, contributor, items):
    """An action line with an owner but nothing to do asks for what will be done."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    one = items["1.1"].pk
    data |= {f"i{one}-rating": "1", f"i{one}-actions-0-owner": "Head of service"}
    data["action"] = "continue"
    response = client.post(BASE + "themes/1/", data)
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'<a href="#id_i{one}-actions-0-what">1.1: Enter what will be done</a>' in html
    assert f'id="id_i{one}-actions-0-what"' in html
    assert 'value="Head of service"' in html
    assert response_for(audit, "1.1").rating is None


def test_invalid_rating_is_an_error_linked_to_the_first_radio(client, audit, contributor, items):
    """A rating outside the scale is reported and linked to the item's first radio button."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    one = items["1.1"].pk
    data |= {f"i{one}-rating": "7", "action": "later"}
    html = text(client.post(BASE + "themes/1/", data))
    assert f'<a href="#id_i{one}-rating_1">1.1: Select a rating from 0 to 3</a>' in html
    assert re.search(rf'name="i{one}-rating"[^>]*id="id_i{one}-rating_1"[^>]*value="0"', html)
    assert response_for(audit, "1.1").rating is None


def test_add_another_action_shows_a_new_line_and_keeps_input(client, audit, contributor, items):
    """Add another action shows one more line, keeps everything typed and saves nothing."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    one, two = items["1.1"].pk, items["1.2"].pk
    assert data[f"i{one}-actions-TOTAL_FORMS"] == "1"
    data |= {
        f"i{one}-rating": "1",
        f"i{one}-evidence": "Typed before adding a line",
        f"i{one}-actions-0-what": "First action",
        f"i{one}-actions-0-owner": "Head of learning",
        f"i{two}-rating": "2",
        "add_action": str(one),
    }
    response = client.post(BASE + "themes/1/", data)
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" not in html
    assert f'id="i{one}-actions-1"' in html
    assert f'id="i{one}-actions-2"' not in html
    assert f'id="i{two}-actions-1"' not in html
    assert f'name="i{one}-actions-TOTAL_FORMS" value="2"' in html
    assert "Typed before adding a line</textarea>" in html
    assert "First action</textarea>" in html
    assert 'value="Head of learning"' in html
    assert re.search(rf'name="i{two}-rating"[^>]*value="2"[^>]*checked', html)
    assert response_for(audit, "1.1").revision == 0
    assert not Action.objects.exists()

    # Fill the new line and save: both lines are written in order.
    data = form_data(response)
    data |= {
        f"i{one}-actions-0-due_month": "4",
        f"i{one}-actions-0-due_year": "2027",
        f"i{one}-actions-1-what": "Second action",
        f"i{one}-actions-1-owner": "Board",
        f"i{one}-actions-1-due_month": "5",
        f"i{one}-actions-1-due_year": "2027",
        "action": "later",
    }
    assert client.post(BASE + "themes/1/", data).status_code == 302
    saved = response_for(audit, "1.1")
    assert [a.what for a in saved.actions.all()] == ["First action", "Second action"]
    assert saved.evidence == "Typed before adding a line"


def test_remove_action_removes_the_line_then_deletes_it_on_save(
    client, audit, lead, contributor, items
):
    """Remove hides the line without saving; saving afterwards deletes it from the database."""
    answer_theme(
        audit,
        1,
        by=lead,
        rating=1,
        only={"1.1"},
        actions=[action_line("Keep me"), action_line("Remove me")],
    )
    one = items["1.1"].pk
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    assert data[f"i{one}-actions-1-what"] == "Remove me"
    data[f"i{one}-evidence"] = "Typed before removing"
    data["remove_action"] = f"i{one}-actions-1"
    response = client.post(BASE + "themes/1/", data)
    html = text(response)
    assert response.status_code == 200
    assert f'id="i{one}-actions-0"' in html
    assert f'id="i{one}-actions-1"' not in html
    assert "Remove me</textarea>" not in html
    assert f'name="i{one}-actions-1-DELETE" value="on"' in html
    assert "Typed before removing</textarea>" in html
    assert response_for(audit, "1.1").actions.count() == 2

    data = form_data(response)
    data["action"] = "later"
    assert client.post(BASE + "themes/1/", data).status_code == 302
    saved = response_for(audit, "1.1")
    assert [a.what for a in saved.actions.all()] == ["Keep me"]
    assert saved.evidence == "Typed before removing"


def test_removing_a_line_with_an_error_lets_the_theme_save(client, audit, contributor, items):
    """A line removed before saving is not validated, so its bad due month does not block."""
    one = items["1.1"].pk
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {
        f"i{one}-rating": "3",
        f"i{one}-evidence": "Annual report",
        f"i{one}-actions-0-what": "Half-typed action",
        f"i{one}-actions-0-due_month": "13",
        "remove_action": f"i{one}-actions-0",
    }
    response = client.post(BASE + "themes/1/", data)
    assert "There is a problem" not in text(response)
    data = form_data(response) | {"action": "later"}
    assert client.post(BASE + "themes/1/", data).status_code == 302
    saved = response_for(audit, "1.1")
    assert (saved.rating, saved.evidence, saved.actions.count()) == (3, "Annual report", 0)


def test_viewer_sees_read_only_theme_and_cannot_post(client, audit, lead, viewer, items):
    """A viewer reads the theme without a form, and a posted save is 403 and changes nothing."""
    answer_theme(audit, 1, by=lead, rating=3, evidence="Visible evidence", only={"1.1"})
    client.force_login(viewer)
    page = client.get(BASE + "themes/1/")
    html = text(page)
    assert page.status_code == 200
    assert "Visible evidence" in html
    assert "3 Embedded" in html
    assert "Save and continue" not in html
    assert 'name="action"' not in html
    assert '<form method="post" novalidate>' not in html
    data = form_data(page)
    data |= {f"i{items['1.1'].pk}-rating": "0", "action": "later"}
    before = responses_snapshot(audit)
    assert client.post(BASE + "themes/1/", data).status_code == 403
    assert responses_snapshot(audit) == before


def test_panel_staff_cannot_change_answers(client, audit, lead, panel, items):
    """Panel staff read the theme but a posted save is 403 and never changes answers."""
    answer_theme(audit, 1, by=lead, rating=2, only={"1.1"})
    client.force_login(panel)
    page = client.get(BASE + "themes/1/")
    assert page.status_code == 200
    assert "Save and continue" not in text(page)
    data = form_data(page)
    data |= {f"i{items['1.1'].pk}-rating": "0", "action": "later"}
    before = responses_snapshot(audit)
    for extra in ({}, {"add_action": str(items["1.1"].pk)}):
        assert client.post(BASE + "themes/1/", data | extra).status_code == 403
    assert responses_snapshot(audit) == before


def test_closed_cycle_is_read_only(client, audit, lead, items):
    """Once the cycle has closed even a lead sees the audit read-only and cannot save."""
    Cycle.objects.filter(pk=audit.cycle_id).update(
        opens_on=timezone.localdate() - timedelta(days=60),
        closes_on=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(lead)
    assert "This audit is read-only" in text(client.get(BASE))
    page = client.get(BASE + "themes/1/")
    assert "Save and continue" not in text(page)
    data = form_data(page) | {f"i{items['1.1'].pk}-rating": "2", "action": "later"}
    assert client.post(BASE + "themes/1/", data).status_code == 403
    assert response_for(audit, "1.1").rating is None


def test_confirming_a_carried_forward_answer_counts_it(client, northshire, lead, items):
    """Ticking the review box on a carried-forward answer clears the flag without changing it."""
    earlier = make_cycle("2025-26", opens_days_ago=60, closes_in_days=60)
    previous = services.audit_start(partnership=northshire, cycle=earlier, by=lead)
    answer_theme(previous, 1, by=lead, rating=3, evidence="Earlier evidence")
    audit = services.audit_start(
        partnership=northshire, cycle=make_cycle(), by=lead, carry_forward=True
    )
    client.force_login(lead)
    page = client.get(BASE + "themes/1/")
    assert "has not been reviewed" in text(page)
    data = form_data(page) | {f"i{items['1.1'].pk}-confirm": "on", "action": "later"}
    client.post(BASE + "themes/1/", data)
    confirmed = response_for(audit, "1.1")
    assert (confirmed.rating, confirmed.carried_forward, confirmed.revision) == (3, False, 1)
    assert response_for(audit, "1.2").carried_forward


# Conflicts -----------------------------------------------------------------------------


def test_conflicting_save_is_refused_then_saved_on_second_attempt(
    client, audit, lead, contributor, items
):
    """A save based on answers someone has since changed is refused with who changed them;
    the typed answers stay on the page and saving again replaces theirs."""
    one = items["1.1"].pk
    other = Client()
    client.force_login(lead)
    other.force_login(contributor)
    lead_data = form_data(client.get(BASE + "themes/1/"))
    contributor_data = form_data(other.get(BASE + "themes/1/"))

    lead_data |= {f"i{one}-rating": "3", f"i{one}-evidence": "Evidence from the lead"}
    assert client.post(BASE + "themes/1/", lead_data | {"action": "later"}).status_code == 302

    contributor_data |= {
        f"i{one}-rating": "2",
        f"i{one}-evidence": "Evidence typed by the contributor",
        "action": "later",
    }
    response = other.post(BASE + "themes/1/", contributor_data)
    html = text(response)
    assert response.status_code == 200
    assert 'data-testid="conflict"' in html
    banner = html[html.index('data-testid="conflict"') : html.index("Your answers are still")]
    assert "Item 1.1</a> was changed by lead@northshire.example.org" in banner
    assert 'they rated it 3, with evidence "Evidence from the lead"' in banner
    assert "Evidence typed by the contributor</textarea>" in html
    assert re.search(rf'name="i{one}-rating"[^>]*value="2"[^>]*checked', html)
    stored = response_for(audit, "1.1")
    assert (stored.rating, stored.evidence, stored.updated_by) == (
        3,
        "Evidence from the lead",
        lead,
    )

    again = form_data(response) | {"action": "later"}
    assert again[f"i{one}-revision"] == "1"
    assert other.post(BASE + "themes/1/", again).status_code == 302
    stored = response_for(audit, "1.1")
    assert (stored.rating, stored.evidence, stored.updated_by, stored.revision) == (
        2,
        "Evidence typed by the contributor",
        contributor,
        2,
    )


# Check and submit ----------------------------------------------------------------------


def test_check_page_lists_broken_rules_with_links_to_items(client, audit, lead, contributor):
    """Each broken rule is listed with a link to its item on its theme page."""
    answer_theme(audit, 1, by=lead)
    answer_theme(audit, 2, by=lead, rating=0, only={"2.1"})
    answer_theme(audit, 3, by=lead, rating=3, evidence="", only={"3.2"})
    client.force_login(contributor)
    html = text(client.get(BASE + "check/"))
    assert 'data-testid="broken-rules"' in html
    assert (
        f'<a href="{BASE}themes/2/#item-2-1">Item 2.1 is rated 0 or 1, so it needs an action '
        "with an owner and a due month</a>"
    ) in html
    assert (
        f'<a href="{BASE}themes/3/#item-3-2">Item 3.2 is rated 2 or 3, so it needs evidence</a>'
    ) in html
    assert f'<a href="{BASE}themes/2/#item-2-2">Item 2.2 needs a rating</a>' in html
    assert f'<a href="{BASE}themes/7/#item-7-5">Item 7.5 needs a rating</a>' in html
    start = html.index('data-testid="broken-rules"')
    summary = html[start : html.index("</ul>", start)]
    assert "#item-1-1" not in summary
    assert "Submit audit" not in html


def test_contributor_sees_no_submit_button_and_cannot_submit(client, audit, lead, contributor):
    """With every rule met a contributor is told only a lead can submit; posting is 403."""
    complete(audit, by=lead)
    client.force_login(contributor)
    html = text(client.get(BASE + "check/"))
    assert "Every rule is met" in html
    assert "Submit audit" not in html
    assert "Only a lead of Northshire Safeguarding Children Partnership can submit" in html
    assert client.post(BASE + "check/").status_code == 403
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DRAFT


def test_lead_cannot_submit_while_rules_are_broken(client, audit, lead):
    """A lead posting submit with rules broken is told why and the audit stays a draft."""
    client.force_login(lead)
    assert "Submit audit" not in text(client.get(BASE + "check/"))
    response = client.post(BASE + "check/", follow=True)
    assert "cannot be submitted until every rule is met" in text(response)
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DRAFT


def test_lead_submits_and_panel_is_emailed(
    client, audit, lead, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """A lead submits a complete audit; the submitted page says what happens next and the
    Panel is emailed."""
    complete(audit, by=lead)
    client.force_login(lead)
    assert "Submit audit" in text(client.get(BASE + "check/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BASE + "check/")
    assert response.status_code == 302
    assert response["Location"] == BASE + "submitted/"
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.SUBMITTED
    assert AuditEvent.objects.filter(audit=audit, kind="submitted", by=lead).exists()
    html = text(client.get(response["Location"]))
    assert "Audit submitted" in html
    assert "What happens next" in html
    assert "Panel staff will read your audit" in html
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["panel@example.org"]
    assert "/panel/cycles/2026-27/audits/northshire/" in mailoutbox[0].body
    # Submitted means locked for the partnership.
    assert "Submitted to the Panel" in text(client.get(BASE))
    assert "Save and continue" not in text(client.get(BASE + "themes/1/"))


# Panel review --------------------------------------------------------------------------


def test_panel_saves_moderated_ratings_and_notes(client, submitted, panel):
    """Panel staff set a moderated rating and note; the partnership's answer is untouched."""
    target = response_for(submitted, "1.1")
    client.force_login(panel)
    page = panel_page(client)
    assert page.name_of(RATING_LABEL.format(ref="1.1")) == f"m{target.pk}-rating"
    page.set(RATING_LABEL.format(ref="1.1"), "1")
    page.set(NOTE_LABEL.format(ref="1.1"), "Evidence does not show this is consistent")
    response = client.post(PANEL_PAGES[-1], page.post(moderate="1"), follow=True)
    assert "Moderated ratings saved (1 changed)" in text(response)
    target.refresh_from_db()
    assert (target.moderated_rating, target.moderation_note, target.moderated_by) == (
        1,
        "Evidence does not show this is consistent",
        panel,
    )
    assert (target.rating, target.evidence, target.revision) == (2, EVIDENCE, 1)
    assert response_for(submitted, "1.2").moderated_rating is None


def test_panel_cannot_moderate_a_draft(client, audit, panel):
    """Moderating a draft audit is refused with a message and saves nothing."""
    target = response_for(audit, "1.1")
    client.force_login(panel)
    response = client.post(PANEL_PAGES[-1], {"moderate": "1", f"m{target.pk}-rating": "2"})
    assert response.status_code == 200
    assert error_summary(text(response)) == [
        ("audit-status", "Moderated ratings can be set only on a submitted or accepted audit")
    ]
    assert response_for(audit, "1.1").moderated_rating is None


def test_return_without_reason_is_an_error(client, submitted, panel, mailoutbox):
    """Returning without a reason shows the error and leaves the audit submitted."""
    client.force_login(panel)
    response = client.post(PANEL_PAGES[-1], {"return": "Return audit", "reason": "  "})
    html = text(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the reason for returning the audit" in html
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.SUBMITTED
    assert not AuditEvent.objects.filter(kind="returned").exists()
    assert mailoutbox == []


def test_return_with_reason_shows_it_to_the_partnership_and_emails_leads(
    client, submitted, panel, lead, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    """A returned audit shows the Panel's reason on the task list; the leads are emailed
    and the partnership can change it again."""
    client.force_login(panel)
    reason = "Theme 3 evidence is the same for every item"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PANEL_PAGES[-1], {"return": "Return audit", "reason": reason})
    assert response.status_code == 302
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.RETURNED
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["lead@northshire.example.org"]
    # The reason is free text: the email says where to read it, and the page shows it.
    assert reason not in mailoutbox[0].body

    client.force_login(contributor)
    html = text(client.get(BASE))
    assert f'data-testid="return-reason">{reason}</p>' in html
    assert "Returned by the Panel" in html
    assert "Save and continue" in text(client.get(BASE + "themes/3/"))


def test_accept_locks_the_audit(client, submitted, panel, lead, items, mailoutbox):
    """An accepted audit is locked: a lead's theme save is refused and changes nothing."""
    client.force_login(panel)
    response = client.post(PANEL_PAGES[-1], {"accept": "1"}, follow=True)
    assert "has been accepted" in text(response)
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED

    client.force_login(lead)
    assert "The Panel accepted this audit. It is locked." in text(client.get(BASE))
    page = client.get(BASE + "themes/1/")
    assert "Save and continue" not in text(page)
    before = responses_snapshot(submitted)
    data = form_data(page) | {f"i{items['1.1'].pk}-rating": "0", "action": "later"}
    response = client.post(BASE + "themes/1/", data)
    assert response.status_code in (302, 403)
    assert responses_snapshot(submitted) == before
    assert client.post(BASE + "check/").status_code == 302
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED


# Report and exports --------------------------------------------------------------------


@pytest.fixture
def reported(submitted, lead, panel):
    """An accepted audit with a formula-like evidence, an action and a moderated rating."""
    services.audit_return(audit=submitted, by=panel, reason="Check item 1.1")
    answer_theme(
        submitted,
        1,
        by=lead,
        rating=1,
        evidence="=SUM(A1)",
        only={"1.1"},
        actions=[action_line("Commission training", "Workforce lead")],
    )
    services.audit_submit(audit=submitted, by=lead)
    moderated = response_for(submitted, "1.1")
    services.moderation_save(
        audit=submitted,
        moderations={moderated.pk: services.Moderation(0, "Not yet in place", revision=0)},
        by=panel,
    )
    services.audit_accept(audit=submitted, by=panel)
    return submitted


def test_report_shows_items_answers_moderation_and_timeline(client, reported, viewer, items):
    """The report shows every item with its rating, evidence, actions, moderated rating,
    scores and the timeline."""
    client.force_login(viewer)
    html = text(client.get(BASE + "report/"))
    for item in items.values():
        assert f'id="{item.anchor}"' in html
    assert items["1.1"].statement in html
    assert 'data-testid="rating-1.1">1 Emerging' in html
    assert 'data-testid="rating-1.2">2 Established' in html
    assert "=SUM(A1)" in html
    assert EVIDENCE in html
    assert "Commission training (owner: Workforce lead" in html
    assert 'data-testid="moderated-1.1">0 Not in place<br>Not yet in place' in html
    assert 'data-testid="scores"' in html
    timeline = html[html.index('id="timeline"') :]
    kinds = re.findall(r'<h3 class="govuk-heading-s govuk-!-margin-bottom-1">(\w+)</h3>', timeline)
    assert kinds == ["Started", "Submitted", "Returned", "Submitted", "Accepted"]
    assert "Check item 1.1" in timeline
    assert "panel@example.org" in timeline


def test_csv_export_has_every_item_and_escapes_formulas(client, reported, viewer):
    """The CSV has a row per item with ratings, evidence, actions and moderation, and a cell
    starting with = is written as text."""
    client.force_login(viewer)
    response = client.get(BASE + "export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-northshire-2026-27.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Sections: a title line, a header, rows, then a blank line before the next section.
    assert rows[0] == ["Items"]
    header, body = rows[1], rows[2 : rows.index([])]
    assert len(body) == 34
    row = dict(zip(header, body[0], strict=True))
    assert row["Item"] == "1.1"
    assert row["Self rating"] == "1"
    assert row["Self rating label"] == "Emerging"
    assert row["Evidence"] == "'=SUM(A1)"
    assert row["Actions (what; owner; due month; status)"] == (
        f"Commission training; Workforce lead; {due_next_month():%Y-%m}; Not started"
    )
    assert row["Moderated rating"] == "0"
    assert row["Moderated rating label"] == "Not in place"
    assert row["Moderation note"] == "Not yet in place"
    assert row["Last changed by"] == "lead@northshire.example.org"
    second = dict(zip(header, body[1], strict=True))
    assert (second["Item"], second["Self rating"], second["Evidence"]) == ("1.2", "2", EVIDENCE)
    assert [r[1] for r in body][-1] == "7.5"


def test_csv_export_includes_the_timeline(client, reported, viewer):
    """The CSV holds what the report shows, the timeline of status changes included."""
    client.force_login(viewer)
    exported = client.get(BASE + "export.csv").content.decode("utf-8-sig")
    assert "Check item 1.1" in exported  # the Panel's reason for returning
    assert "Accepted" in exported
    assert "panel@example.org" in exported


def test_xlsx_export_has_items_scores_and_timeline(client, reported, viewer):
    """The XLSX opens with sheets Items, Scores and Timeline holding the report's content."""
    client.force_login(viewer)
    response = client.get(BASE + "export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="audit-northshire-2026-27.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Items", "Scores", "Timeline"]
    item_rows = list(book["Items"].iter_rows(values_only=True))
    header, first = item_rows[0], dict(zip(item_rows[0], item_rows[1], strict=True))
    assert len(item_rows) == 35
    assert "Moderated rating" in header
    assert (first["Item"], first["Self rating"], first["Evidence"]) == ("1.1", 1, "'=SUM(A1)")
    assert (first["Moderated rating"], first["Moderation note"]) == (0, "Not yet in place")
    scores = list(book["Scores"].iter_rows(values_only=True))
    assert len(scores) == 1 + 7 + 1
    assert scores[-1][0] == "Overall"
    assert scores[-1][1] == 34
    timeline = list(book["Timeline"].iter_rows(values_only=True))
    assert timeline[0] == ("When", "What", "By", "Reason")
    assert [row[1] for row in timeline[1:]] == [
        "Started",
        "Submitted",
        "Returned",
        "Submitted",
        "Accepted",
    ]
    assert timeline[3][2:] == ("panel@example.org", "Check item 1.1")


# Query counts --------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_answers(client, audit, lead):
    """The task list, a theme page and the report run a pinned number of queries, the same
    for a nearly empty audit as for one with every item answered with three actions."""
    pages = {"task list": BASE, "theme page": BASE + "themes/1/", "report": BASE + "report/"}
    answer_theme(audit, 1, by=lead, rating=1, only={"1.1"}, actions=[action_line()])
    client.force_login(lead)
    client.get(BASE)  # The first request after signing in also updates the session.
    for url in pages.values():
        client.get(url)  # and the first of the version's themes and scale fill the cache.
    sparse = {name: count_queries(client, url) for name, url in pages.items()}

    three = [action_line(f"Action {n}") for n in range(3)]
    for number in range(1, 8):
        answer_theme(audit, number, by=lead, rating=0, actions=three)
    assert Action.objects.filter(response__audit=audit).count() == 34 * 3
    full = {name: count_queries(client, url) for name, url in pages.items()}

    print(f"queries: sparse={sparse} full={full}")
    assert full == sparse
    for name, count in full.items():
        assert count <= MAX_QUERIES[name], f"{name} ran {count} queries"


def test_a_returned_audits_task_list_takes_the_queries_of_a_draft(client, submitted, lead, panel):
    """The task list of a returned audit shows the Panel's reason without a query of its own:
    it comes from the timeline the page reads anyway, twice returned or once."""
    client.force_login(lead)
    client.get(BASE)
    before = count_queries(client, BASE)
    services.audit_return(audit=submitted, by=panel, reason="First reason", moderations={})
    services.audit_submit(audit=submitted, by=lead)
    services.audit_return(audit=submitted, by=panel, reason="Second reason", moderations={})
    with CaptureQueriesContext(connection) as queries:
        html = client.get(BASE).content.decode()
    assert 'data-testid="return-reason">Second reason</p>' in html
    assert len(queries) == before <= MAX_QUERIES["task list"]


# What people type is never lost, and no input answers 500 ------------------------------

RATING_LABEL = "Moderated rating for item {ref}"
NOTE_LABEL = "Moderation note for item {ref} (optional)"
REASON_LABEL = "Why are you returning the audit?"
PANEL_AUDIT = PANEL_PAGES[-1]


def panel_page(client) -> PageForm:
    return PageForm(text(client.get(PANEL_AUDIT)))


def moderation_of(audit, ref):
    response = response_for(audit, ref)
    return response.moderated_rating, response.moderation_note


def error_summary(html) -> list[tuple[str, str]]:
    """(link target, message) for each entry of the GOV.UK error summary."""
    summary = html[html.index("govuk-error-summary__list") :]
    summary = summary[: summary.index("</ul>")]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


@pytest.mark.parametrize(
    "url",
    [
        "/p/northshire/audits/2026%00-27/",
        "/p/northshire/audits/2026-27%00/themes/1/",
        "/p/northshire/audits/%00/export.xlsx",
        "/panel/cycles/2026%00-27/audits/northshire/",
        "/panel/cycles/%00/",
    ],
)
def test_nul_in_the_cycle_part_of_a_url_is_404(client, audit, lead, panel, url):
    """A NUL byte where the cycle's name goes answers 404, as any cycle that does not exist."""
    client = Client(raise_request_exception=False)
    client.force_login(panel if url.startswith("/panel/") else lead)
    assert client.get(url).status_code == 404


def test_tampered_action_count_on_add_another_action_is_not_500(client, audit, contributor, items):
    """A forged action count with Add another action shows the page again, never a 500."""
    client.force_login(contributor)
    one = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {f"i{one}-evidence": "Typed first", f"i{one}-actions-TOTAL_FORMS": "many"}
    for pressed in (str(one), "\x00", "no-such-item"):
        response = Client(raise_request_exception=False)
        response.force_login(contributor)
        answer = response.post(BASE + "themes/1/", data | {"add_action": pressed})
        assert answer.status_code == 200, pressed
        assert "Typed first" in text(answer)
    assert response_for(audit, "1.1").evidence == ""


def test_more_actions_than_the_page_allows_are_refused(client, audit, contributor, items):
    """150 action lines posted for one item are refused with an error; nothing is saved and
    what was typed is shown again."""
    client.force_login(contributor)
    one = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {f"i{one}-rating": "1", f"i{one}-actions-TOTAL_FORMS": "150", "action": "later"}
    for n in range(150):
        data |= {
            f"i{one}-actions-{n}-what": f"Action {n}",
            f"i{one}-actions-{n}-owner": "Head of learning",
            f"i{one}-actions-{n}-due_month": "6",
            f"i{one}-actions-{n}-due_year": "2027",
        }
    response = client.post(BASE + "themes/1/", data)
    assert response.status_code == 200
    html = text(response)
    assert (f"id_i{one}-actions-0-what", "1.1: Enter no more than 20 actions") in error_summary(
        html
    )
    assert "Action 149" in html
    assert Action.objects.filter(response__audit=audit).count() == 0


def test_accept_saves_the_moderation_typed_on_the_page(client, submitted, panel):
    """Pressing Accept with moderated ratings and notes typed saves them and accepts."""
    client.force_login(panel)
    page = panel_page(client)
    page.set(RATING_LABEL.format(ref="1.1"), "1").set(NOTE_LABEL.format(ref="1.1"), "Thin")
    response = client.post(PANEL_AUDIT, page.post(accept="1"))
    assert response.status_code == 302
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED
    assert moderation_of(submitted, "1.1") == (1, "Thin")


def test_return_saves_the_moderation_typed_on_the_page(client, submitted, panel):
    """Pressing Return with a reason saves the moderation typed too."""
    client.force_login(panel)
    page = panel_page(client)
    page.set(RATING_LABEL.format(ref="2.1"), "0").set(REASON_LABEL, "Theme 2 needs evidence")
    response = client.post(PANEL_AUDIT, page.post(**{"return": "Return audit"}))
    assert response.status_code == 302
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.RETURNED
    assert moderation_of(submitted, "2.1") == (0, "")


def test_return_without_a_reason_keeps_the_moderation_typed(client, submitted, panel):
    """Return without a reason saves nothing, shows the error and every value typed."""
    client.force_login(panel)
    page = panel_page(client)
    page.set(RATING_LABEL.format(ref="1.1"), "3").set(NOTE_LABEL.format(ref="1.1"), "Kept")
    response = client.post(PANEL_AUDIT, page.post(**{"return": "Return audit"}))
    assert response.status_code == 200
    html = text(response)
    assert error_summary(html) == [("id_reason", "Enter the reason for returning the audit")]
    shown = PageForm(html)
    assert shown.value(RATING_LABEL.format(ref="1.1")) == "3"
    assert shown.value(NOTE_LABEL.format(ref="1.1")) == "Kept"
    assert moderation_of(submitted, "1.1") == (None, "")
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.SUBMITTED


@pytest.mark.parametrize("button", [{"moderate": "1"}, {"accept": "1"}])
def test_invalid_moderated_rating_keeps_everything_typed(client, submitted, panel, button):
    """One moderated rating off the scale is an error linked to its field; nothing is saved,
    the audit is not accepted and every other value typed is shown again."""
    client.force_login(panel)
    page = panel_page(client)
    page.set(RATING_LABEL.format(ref="1.1"), "2").set(NOTE_LABEL.format(ref="1.1"), "Good")
    page.set(RATING_LABEL.format(ref="1.2"), "9").set(NOTE_LABEL.format(ref="1.2"), "Typed")
    page.set(REASON_LABEL, "A reason typed before deciding to accept")
    bad = page.name_of(RATING_LABEL.format(ref="1.2"))
    response = client.post(PANEL_AUDIT, page.post(**button))
    assert response.status_code == 200
    html = text(response)
    assert error_summary(html) == [(f"id_{bad}", "1.2: Select a rating from 0 to 3")]
    shown = PageForm(html)
    assert shown.value(RATING_LABEL.format(ref="1.1")) == "2"
    assert shown.value(NOTE_LABEL.format(ref="1.1")) == "Good"
    assert shown.value(NOTE_LABEL.format(ref="1.2")) == "Typed"
    assert shown.value(REASON_LABEL) == "A reason typed before deciding to accept"
    assert moderation_of(submitted, "1.1") == (None, "")
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.SUBMITTED


def test_evidence_with_a_noncharacter_saves_and_exports_a_readable_workbook(
    client, audit, contributor, items
):
    """Evidence typed as 'ev \\ufffe x' is saved without U+FFFE, and export.xlsx opens."""
    client.force_login(contributor)
    one = items["1.1"].pk
    page = PageForm(text(client.get(BASE + "themes/1/")))
    page.data |= {f"i{one}-rating": "2", f"i{one}-evidence": "ev \ufffe x"}
    assert client.post(BASE + "themes/1/", page.post(action="later")).status_code == 302
    assert response_for(audit, "1.1").evidence == "ev  x"
    xlsx = client.get(BASE + "export.xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content))["Items"].iter_rows(values_only=True))
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Evidence"] == "ev  x"


def test_control_characters_in_a_moderation_note_are_cleaned(client, submitted, panel):
    """A note pasted with NUL, vertical tab and escape characters is saved without them."""
    client.force_login(panel)
    page = panel_page(client).set(NOTE_LABEL.format(ref="1.1"), "One\x0bTwo\x00\x1b three")
    response = Client(raise_request_exception=False)
    response.force_login(panel)
    assert response.post(PANEL_AUDIT, page.post(moderate="1")).status_code == 302
    assert moderation_of(submitted, "1.1") == (None, "One\nTwo three")


@pytest.mark.parametrize("character", ["\x0b", "\x00", "\x1b", "\ufffe", "\uffff"])
def test_exports_with_control_characters_in_stored_text_work(client, reported, viewer, character):
    """Text stored before input was cleaned, with a control character in evidence, a note,
    an action and a reason, still exports as XLSX and CSV, with the character gone."""
    target = response_for(reported, "1.1")
    if character != "\x00" or connection.vendor != "postgresql":  # PostgreSQL refuses NUL
        Response.objects.filter(pk=target.pk).update(
            evidence=f"=Line one{character}line two", moderation_note=f"Note{character}"
        )
        Action.objects.filter(response=target).update(what=f"Train{character}staff")
        AuditEvent.objects.filter(kind="returned").update(reason=f"Check{character}1.1")
    client.force_login(viewer)
    response = Client(raise_request_exception=False)
    response.force_login(viewer)
    xlsx = response.get(BASE + "export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["Items"].iter_rows(values_only=True))
    first = dict(zip(rows[0], rows[1], strict=True))
    assert not any(character in str(value) for row in rows for value in row)
    assert first["Evidence"] in ("'=SUM(A1)", "'=Line one\nline two", "'=Line oneline two")
    exported = response.get(BASE + "export.csv")
    assert exported.status_code == 200
    assert character not in exported.content.decode("utf-8-sig")


def test_panel_audit_page_query_count_does_not_grow_with_moderation(client, submitted, panel):
    """The Panel's audit page runs a pinned number of queries, the same with no moderation as
    with every item moderated with a note."""
    client.force_login(panel)
    client.get(PANEL_AUDIT)
    sparse = count_queries(client, PANEL_AUDIT)
    services.moderation_save(
        audit=submitted,
        moderations={
            r.pk: services.Moderation(1, "Note", revision=r.moderation_revision)
            for r in submitted.responses.all()
        },
        by=panel,
    )
    full = count_queries(client, PANEL_AUDIT)
    print(f"panel audit queries: sparse={sparse} full={full}")
    assert full == sparse <= MAX_QUERIES["panel audit"]


def test_stale_moderation_page_shows_who_changed_what_and_keeps_typing(client, submitted, panel):
    """Saving a page loaded before someone else moderated is refused: the page says who
    changed which item, when and to what, keeps every value typed, and saving again works."""
    other = Client()
    other.force_login(panel)
    client.force_login(panel)
    stale = panel_page(client)
    theirs = PageForm(text(other.get(PANEL_AUDIT)))
    theirs.set(RATING_LABEL.format(ref="1.1"), "0").set(NOTE_LABEL.format(ref="1.1"), "Theirs")
    assert other.post(PANEL_AUDIT, theirs.post(moderate="1")).status_code == 302

    stale.set(RATING_LABEL.format(ref="1.1"), "3").set(NOTE_LABEL.format(ref="1.2"), "Mine")
    response = client.post(PANEL_AUDIT, stale.post(accept="1"))
    assert response.status_code == 200
    html = text(response)
    banner = html[html.index('data-testid="conflict"') :]
    assert "Nothing has been saved" in banner
    assert "Item 1.1</a> was moderated by panel@example.org on " in banner
    assert 'the moderated rating is now 0 Not in place, with the note "Theirs"' in banner
    shown = PageForm(html)
    assert shown.value(RATING_LABEL.format(ref="1.1")) == "3"
    assert shown.value(NOTE_LABEL.format(ref="1.2")) == "Mine"
    assert moderation_of(submitted, "1.1") == (0, "Theirs")
    assert moderation_of(submitted, "1.2") == (None, "")
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.SUBMITTED

    assert client.post(PANEL_AUDIT, shown.post(accept="1")).status_code == 302
    assert moderation_of(submitted, "1.1") == (3, "")
    assert moderation_of(submitted, "1.2") == (None, "Mine")
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED


def test_accept_of_an_audit_accepted_meanwhile_keeps_the_page(client, submitted, panel):
    """Accepting an audit someone else accepted since the page loaded says why and shows the
    moderation typed again; nothing is saved."""
    client.force_login(panel)
    page = panel_page(client).set(NOTE_LABEL.format(ref="1.1"), "Typed")
    services.audit_accept(audit=submitted, by=panel)
    response = client.post(PANEL_AUDIT, page.post(accept="1"))
    assert response.status_code == 200
    html = text(response)
    assert error_summary(html) == [
        ("audit-status", "Only a submitted audit can be returned or accepted")
    ]
    assert PageForm(html).value(NOTE_LABEL.format(ref="1.1")) == "Typed"
    assert moderation_of(submitted, "1.1") == (None, "")


def test_theme_save_refused_by_the_service_keeps_what_was_typed(client, audit, contributor, items):
    """When the service refuses a save (say the audit was locked meanwhile) the theme page
    shows the reason and every value typed, rather than redirecting them away."""
    client.force_login(contributor)
    one = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {f"i{one}-rating": "2", f"i{one}-evidence": "Typed evidence", "action": "later"}
    locked = services.ValidationError(services.AUDIT_LOCKED.format(status="submitted"))
    with mock.patch.object(services, "theme_save", side_effect=locked):
        response = client.post(BASE + "themes/1/", data)
    assert response.status_code == 200
    html = text(response)
    assert error_summary(html) == [
        (f"id_i{one}-rating_1", "This audit has been submitted and cannot be changed")
    ]
    assert "Typed evidence" in html


def test_add_another_action_is_not_offered_past_twenty(client, audit, contributor, items):
    """With 20 lines on an item the page no longer offers Add another action for it."""
    client.force_login(contributor)
    one = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {f"i{one}-actions-TOTAL_FORMS": "19", "add_action": str(one)}
    html = text(client.post(BASE + "themes/1/", data))
    assert f'name="i{one}-actions-19-what"' in html
    assert f'name="add_action" value="{one}"' not in html
    assert f'name="add_action" value="{items["1.2"].pk}"' in html


# Saving only what was changed on the page -----------------------------------------------


def test_stale_theme_page_saves_another_item_at_once(client, audit, lead, contributor, items):
    """A theme page loaded before the lead saved 1.1 saves the contributor's 1.2 at the first
    press, and the lead's 1.1 stays."""
    one, two = items["1.1"].pk, items["1.2"].pk
    other = Client()
    client.force_login(lead)
    other.force_login(contributor)
    stale = PageForm(text(other.get(BASE + "themes/1/")))
    fresh = PageForm(text(client.get(BASE + "themes/1/")))
    fresh.data |= {f"i{one}-rating": "3", f"i{one}-evidence": "Lead's"}
    assert client.post(BASE + "themes/1/", fresh.post(action="later")).status_code == 302
    stale.data |= {f"i{two}-rating": "2", f"i{two}-evidence": "Contributor's"}
    assert other.post(BASE + "themes/1/", stale.post(action="later")).status_code == 302
    assert (response_for(audit, "1.1").rating, response_for(audit, "1.1").evidence) == (3, "Lead's")
    assert response_for(audit, "1.2").evidence == "Contributor's"


def test_theme_conflict_keeps_changed_items_and_shows_stored_ones(
    client, audit, lead, contributor, items
):
    """When an item the contributor changed was changed meanwhile, the page keeps what they
    typed there but shows the lead's saved 1.2 and action line, which they did not touch;
    pressing again overwrites only their item."""
    one, two = items["1.1"].pk, items["1.2"].pk
    other = Client()
    client.force_login(lead)
    other.force_login(contributor)
    stale = PageForm(text(other.get(BASE + "themes/1/")))
    fresh = PageForm(text(client.get(BASE + "themes/1/")))
    fresh.data |= {
        f"i{one}-rating": "3",
        f"i{one}-evidence": "Lead's",
        f"i{two}-rating": "0",
        f"i{two}-actions-0-what": "Lead's action",
        f"i{two}-actions-0-owner": "Head of QA",
        f"i{two}-actions-0-due_month": "3",
        f"i{two}-actions-0-due_year": "2030",
    }
    assert client.post(BASE + "themes/1/", fresh.post(action="later")).status_code == 302
    stale.data |= {f"i{one}-evidence": "Contributor's"}
    response = other.post(BASE + "themes/1/", stale.post(action="later"))
    assert response.status_code == 200
    html = text(response)
    banner = html[html.index('data-testid="conflict"') : html.index("Your answers are still")]
    assert "Item 1.1</a>" in banner and "Item 1.2</a>" not in banner
    shown = PageForm(html)
    assert shown.data[f"i{one}-evidence"] == "Contributor's"
    assert shown.data[f"i{two}-rating"] == "0"
    assert shown.data[f"i{two}-actions-0-what"] == "Lead's action"
    assert other.post(BASE + "themes/1/", shown.post(action="later")).status_code == 302
    assert response_for(audit, "1.1").evidence == "Contributor's"
    assert list(response_for(audit, "1.2").actions.values_list("what", flat=True)) == [
        "Lead's action"
    ]


def test_action_line_change_counts_as_a_change(client, audit, lead, contributor, items):
    """Adding only an action line to an item the lead saved meanwhile is refused, not lost
    nor written over the lead's answer."""
    two = items["1.2"].pk
    other = Client()
    client.force_login(lead)
    other.force_login(contributor)
    stale = PageForm(text(other.get(BASE + "themes/1/")))
    fresh = PageForm(text(client.get(BASE + "themes/1/")))
    fresh.data |= {f"i{two}-rating": "3", f"i{two}-evidence": "Lead's"}
    assert client.post(BASE + "themes/1/", fresh.post(action="later")).status_code == 302
    stale.data |= {f"i{two}-actions-0-what": "Mine", f"i{two}-actions-0-owner": "QA"}
    response = other.post(BASE + "themes/1/", stale.post(action="later"))
    assert response.status_code == 200
    assert 'data-testid="conflict"' in text(response)
    assert response_for(audit, "1.2").evidence == "Lead's"
    assert not response_for(audit, "1.2").actions.exists()


def test_stale_moderation_page_saves_another_item_and_accepts(client, submitted, panel):
    """A moderation page loaded before 1.3 was moderated saves 1.4 and accepts at the first
    press; 1.3 keeps what was saved meanwhile."""
    other = Client()
    other.force_login(panel)
    client.force_login(panel)
    stale = panel_page(client)
    theirs = PageForm(text(other.get(PANEL_AUDIT)))
    theirs.set(RATING_LABEL.format(ref="1.3"), "3").set(NOTE_LABEL.format(ref="1.3"), "Theirs")
    assert other.post(PANEL_AUDIT, theirs.post(moderate="1")).status_code == 302
    stale.set(RATING_LABEL.format(ref="1.4"), "1")
    assert client.post(PANEL_AUDIT, stale.post(accept="1")).status_code == 302
    assert moderation_of(submitted, "1.3") == (3, "Theirs")
    assert moderation_of(submitted, "1.4") == (1, "")
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED


@pytest.mark.parametrize("forged", ["", "x" * 5000, "\x00"])
def test_forged_moderation_fingerprint_is_refused_on_a_stale_item(client, submitted, panel, forged):
    """A forged or missing hidden fingerprint answers no 500 and never writes over a
    moderation saved meanwhile: the item counts as changed and stale, so it is refused."""
    client.force_login(panel)
    stale = panel_page(client)
    services.moderation_save(
        audit=submitted,
        moderations={
            response_for(submitted, "1.1").pk: services.Moderation(3, "Theirs", revision=0)
        },
        by=panel,
    )
    name = stale.name_of(RATING_LABEL.format(ref="1.1")).replace("rating", "shown")
    stale.data[name] = forged
    checker = Client(raise_request_exception=False)
    checker.force_login(panel)
    response = checker.post(PANEL_AUDIT, stale.post(moderate="1"))
    assert response.status_code == 200
    assert moderation_of(submitted, "1.1") == (3, "Theirs")
