"""The action plan and an action's page through the test client: who may read and update,
updates after acceptance, filters, conflicts, errors and pinned query counts."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audits import services
from audits.models import ActionNote, ActionRecord, Audit
from audits.selectors import PLAN_PAGE_SIZE
from partnerships.months import month_after, months_before

from .factories import CycleFactory, accepted_audit_with_actions, many_actions, start_audit

pytestmark = pytest.mark.django_db

PLAN = "/p/northshire/actions/"
# The most queries the action plan may run, the same for 10 actions as for 500, as measured:
# the session, the user and the membership (Panel staff: their second factor too), then the
# themes, the owners, the counts, the page's count, its records and their notes, and every
# partnership's follow-through by theme for the peer figures (one grouped query, added with
# them: 9 and 10 before).
PLAN_QUERIES = {"member": 10, "panel": 11}


@pytest.fixture
def accepted(northshire, lead, panel):
    return accepted_audit_with_actions(partnership=northshire, lead=lead, panel=panel)


def _records(audit):
    return list(
        ActionRecord.objects.filter(lines__response__audit=audit)
        .select_related("latest_line")
        .order_by("item_ref")
    )


def _update(client, record, **data):
    fields = {"status": record.status, "reason": "", "note": "", "revision": record.revision}
    return client.post(f"{PLAN}{record.pk}/", fields | data)


def test_update_after_acceptance_does_not_reopen_the_audit(client, accepted, contributor):
    """A contributor marks an action of an accepted audit done with a note: the audit stays
    accepted, its answers untouched, and the history holds the update and who made it."""
    record = _records(accepted)[0]
    responses = list(accepted.responses.values_list("pk", "revision", "rating"))
    client.force_login(contributor)
    response = _update(client, record, status="done", note="Training delivered to 40 staff")
    assert response.status_code == 302
    assert response["Location"] == f"{PLAN}#action-{record.pk}"
    record.refresh_from_db()
    assert record.status == "done"
    assert record.status_changed_by == contributor
    assert Audit.objects.get(pk=accepted.pk).status == Audit.Status.ACCEPTED
    assert list(accepted.responses.values_list("pk", "revision", "rating")) == responses
    latest = record.history.first()
    assert (latest.status, latest.history_user) == ("done", contributor)
    assert record.history.count() == 2
    note = ActionNote.objects.get(record=record)
    assert (note.text, note.status, note.by_email) == (
        "Training delivered to 40 staff",
        "done",
        contributor.email,
    )
    page = client.get(f"{PLAN}{record.pk}/").content.decode()
    assert "Training delivered to 40 staff" in page
    assert "Status changed from not started to done" in page


def test_lead_updates_too(client, accepted, lead):
    """A lead may record progress as well."""
    record = _records(accepted)[0]
    client.force_login(lead)
    assert _update(client, record, status="in_progress").status_code == 302
    record.refresh_from_db()
    assert record.status == "in_progress"


def test_viewer_reads_without_update_links_and_is_refused_on_post(client, accepted, viewer):
    """A viewer sees the plan with View links and no form, and a post is refused (403)."""
    record = _records(accepted)[0]
    client.force_login(viewer)
    plan = client.get(PLAN).content.decode()
    assert ">View<" in plan and ">Update<" not in plan
    page = client.get(f"{PLAN}{record.pk}/").content.decode()
    assert 'name="status"' not in page
    assert _update(client, record, status="done").status_code == 403
    record.refresh_from_db()
    assert record.status == "not_started"


def test_panel_staff_read_the_plan_and_are_refused_on_post(client, accepted, panel):
    """Panel staff read a partnership's plan and actions but cannot update them."""
    record = _records(accepted)[0]
    client.force_login(panel)
    assert client.get(PLAN).status_code == 200
    assert client.get(f"{PLAN}{record.pk}/").status_code == 200
    assert _update(client, record, status="done").status_code == 403


def test_another_partnerships_action_answers_404(client, accepted, other_lead):
    """Eastmere's lead gets 404 for Northshire's plan, its action page and a post to it."""
    record = _records(accepted)[0]
    client.force_login(other_lead)
    assert client.get(PLAN).status_code == 404
    assert client.get(f"{PLAN}{record.pk}/").status_code == 404
    assert _update(client, record, status="done").status_code == 404
    other = f"/p/eastmere/actions/{record.pk}/"
    assert client.get(other).status_code == 404
    assert client.post(other, {"status": "done", "revision": 0}).status_code == 404


def test_dropped_without_reason_shows_the_error_summary_and_keeps_the_note(
    client, accepted, contributor
):
    """Dropping an action without saying why shows the error summary linked to the reason,
    keeps the note typed, and saves nothing; with the reason it is dropped."""
    record = _records(accepted)[0]
    client.force_login(contributor)
    response = _update(client, record, status="dropped", note="Merged with the regional work")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_reason"' in page
    assert services.DROPPED_REASON_REQUIRED in page
    assert "Merged with the regional work" in page
    assert not ActionNote.objects.exists()
    record.refresh_from_db()
    assert record.status == "not_started"
    assert _update(client, record, status="dropped", reason="Replaced").status_code == 302
    record.refresh_from_db()
    assert (record.status, record.dropped_reason) == ("dropped", "Replaced")


def test_nothing_to_save_is_refused(client, accepted, contributor):
    """The same status and no note is named in the error summary; no history row is added."""
    record = _records(accepted)[0]
    client.force_login(contributor)
    response = _update(client, record)
    assert response.status_code == 200
    assert services.NOTHING_TO_SAVE in response.content.decode()
    assert record.history.count() == 1


def test_conflict_shows_who_changed_it_and_keeps_what_was_typed(
    client, accepted, contributor, lead
):
    """A save based on an older revision is refused, names who changed it, keeps the note,
    and saving again from that page then succeeds."""
    record = _records(accepted)[0]
    services.action_update(record=record, status="in_progress", seen_revision=0, by=lead)
    client.force_login(contributor)
    response = _update(client, record, status="done", note="All done", revision=0)
    assert response.status_code == 200
    page = response.content.decode()
    assert "lead@northshire.example.org updated" in page
    assert "All done" in page
    assert 'name="revision" value="1"' in page
    record.refresh_from_db()
    assert record.status == "in_progress"
    assert _update(client, record, status="done", note="All done", revision=1).status_code == 302


def test_plan_lists_each_action_once_across_cycles_with_its_cycles(
    client, accepted, northshire, lead
):
    """An action carried into the next cycle is one card on the plan, saying where it was
    planned and where it is now."""
    today = timezone.localdate()
    next_cycle = CycleFactory(name="2027-28", opens_on=today, closes_on=today + timedelta(days=30))
    start_audit(partnership=northshire, by=lead, cycle=next_cycle)
    client.force_login(lead)
    page = client.get(PLAN).content.decode()
    assert page.count('data-testid="action-card"') == 5
    assert "2026-27, carried into 2027-28" in page


def test_plan_filters_by_status_theme_owner_and_overdue(client, accepted, contributor):
    """Each filter narrows the plan to the actions it names, and they combine."""
    records = _records(accepted)
    today = timezone.localdate()
    services.action_update(record=records[0], status="done", seen_revision=0, by=contributor)
    ActionRecord.objects.filter(pk=records[1].pk).update(theme_number=2)
    line = records[2].latest_line
    line.owner, line.due_month = "Designated doctor", months_before(today.replace(day=1), 1)
    line.save()
    client.force_login(contributor)

    def cards(query):
        return client.get(PLAN + query).content.decode().count('data-testid="action-card"')

    assert cards("") == 5
    assert cards("?status=done") == 1
    assert cards("?status=open") == 4
    assert cards("?status=not_started&theme=1") == 3
    assert cards("?theme=2") == 1
    assert cards("?owner=Designated+doctor") == 1
    assert cards("?overdue=on") == 1
    assert cards("?overdue=on&status=done") == 0


def test_an_invalid_filter_falls_back_and_is_named_in_the_error_summary(client, accepted, lead):
    """A status not on offer shows every action and says which filter was set aside."""
    client.force_login(lead)
    response = client.get(PLAN + "?status=lost&theme=99")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The status in the address is not one of the choices" in page
    assert "The theme in the address is not one of the choices" in page
    assert page.count('data-testid="action-card"') == 5


def _plan_queries(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PLAN + query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["member", "panel"])
def test_plan_query_count_is_the_same_for_10_and_500_actions(client, northshire, lead, panel, who):
    """The plan runs a pinned number of queries, equal for 10 and for 500 actions (each
    with two notes), filtered or not."""
    audit = start_audit(partnership=northshire, by=lead)
    many_actions(audit, 10, notes=2)
    client.force_login(lead if who == "member" else panel)
    client.get(PLAN)  # the first request after signing in also updates the session
    ten = _plan_queries(client), _plan_queries(client, "?status=open&theme=1")
    many_actions(audit, 490, notes=2)
    five_hundred = _plan_queries(client), _plan_queries(client, "?status=open&theme=1")
    print(f"plan queries: 10={ten} 500={five_hundred}")
    assert ten == five_hundred
    assert max(five_hundred) <= PLAN_QUERIES[who] <= 12


def test_plan_page_is_under_150_kb_at_500_actions(client, northshire, lead):
    """The plan pages at PLAN_PAGE_SIZE (25) actions, so its first page stays small with 500."""
    audit = start_audit(partnership=northshire, by=lead)
    many_actions(audit, 500, notes=1)
    client.force_login(lead)
    page = client.get(PLAN)
    assert len(page.content) < 150_000
    assert page.content.decode().count('data-testid="action-card"') == PLAN_PAGE_SIZE
    second = client.get(PLAN + "?status=open&page=2").content.decode()
    assert "status=open&amp;page=3" in second


def test_update_page_query_count_does_not_grow_with_notes(client, northshire, lead):
    """An action's page runs as many queries with 40 notes as with 1."""
    audit = start_audit(partnership=northshire, by=lead)
    one, forty = many_actions(audit, 1, notes=1)[0], many_actions(audit, 1, notes=40)[0]
    client.force_login(lead)
    client.get(PLAN)
    counts = []
    for record in (one, forty):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{PLAN}{record.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_overdue_from_the_month_after_the_due_month(northshire, lead):
    """An open action is overdue from the 1st of the month after its due month, never on the
    last day of that month; a done one never is; due soon is this month or next."""
    audit = start_audit(partnership=northshire, by=lead)
    due = date(2027, 3, 1)
    [record] = many_actions(audit, 1, due_month=due)
    record = ActionRecord.objects.with_plan().get(pk=record.pk)
    for day, overdue, soon in [
        (date(2027, 3, 31), False, True),
        (date(2027, 4, 1), True, False),
        (date(2027, 2, 1), False, True),
        (date(2027, 1, 31), False, False),
    ]:
        assert record.is_overdue(day) is overdue, day
        assert record.is_due_soon(day) is soon, day
        assert ActionRecord.objects.overdue(day).filter(pk=record.pk).exists() is overdue
        assert ActionRecord.objects.due_soon(day).filter(pk=record.pk).exists() is soon
    ActionRecord.objects.filter(pk=record.pk).update(status="done")
    record.refresh_from_db()
    assert not record.is_overdue(month_after(due, 5))
    assert not ActionRecord.objects.overdue(month_after(due, 5)).exists()


def test_downloads_hold_the_filtered_actions_and_notes_with_formulas_made_safe(
    client, accepted, contributor
):
    """The CSV and XLSX hold the actions the filters chose and their notes; a note that
    would run as a formula comes back as text."""
    records = _records(accepted)
    services.action_update(
        record=records[0],
        status="done",
        note='=HYPERLINK("http://example.org")',
        seen_revision=0,
        by=contributor,
    )
    client.force_login(contributor)
    response = client.get(PLAN + "export.csv?status=done")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="actions-northshire-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Actions"]
    header, body = rows[1], rows[2 : rows.index([])]
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert (row["Item"], row["Status"], row["Owner"]) == ("1.1", "Done", "Head of learning")
    assert row["Latest progress note"] == '\'=HYPERLINK("http://example.org")'
    assert row["Status changed by"] == contributor.email
    workbook = load_workbook(io.BytesIO(client.get(PLAN + "export.xlsx").content))
    sheet = workbook["Actions"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + 5
    notes = list(workbook["Progress notes"].iter_rows(values_only=True))
    assert notes[1][-1] == '\'=HYPERLINK("http://example.org")'
