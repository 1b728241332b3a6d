"""The audit's spreadsheet scores: a theme nothing has been moderated in says so, never 0%;
the lead's note is in the file but the figures from the partnership's own reviews never are."""

import csv
import io

from audits import reports, services
from audits.models import ActionRecord
from audits.selectors import themes_with_responses
from audits.templatetags.audit_tags import response_readonly
from tests.audits.test_evidence_pages import _item_id, audit_2, cycle_2, reviews  # noqa: F401
from tests.audits.test_selectors import add_action, audit, cycle, set_answers  # noqa: F401


def scores_by_theme(audit):  # noqa: F811
    header, rows = reports.report_sheets(audit)["Scores"]
    return {row[0].split(".")[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_an_unmoderated_audit_says_not_moderated_yet_instead_of_zero_percent(audit):  # noqa: F811
    """With no moderated rating, the moderated columns read "Not moderated yet"."""
    set_answers(audit, {"1.1": {"rating": 3}, "1.2": {"rating": 2}})
    theme_1 = scores_by_theme(audit)["1"]
    assert theme_1["Self: % rated 2 or 3"] == 40
    assert theme_1["Moderated: % rated 2 or 3"] == reports.NOT_MODERATED
    assert theme_1["Moderated: mean rating"] == reports.NOT_MODERATED
    assert scores_by_theme(audit)["Overall"]["Moderated: % rated 2 or 3"] == reports.NOT_MODERATED


def test_a_moderated_theme_gets_its_share_and_others_still_say_not_moderated(audit):  # noqa: F811
    """Once an item of theme 1 is moderated, theme 1 has figures; theme 2 still has none."""
    set_answers(audit, {"1.1": {"rating": 3, "moderated_rating": 2}})
    scores = scores_by_theme(audit)
    assert scores["1"]["Moderated: % rated 2 or 3"] == 20
    assert scores["1"]["Moderated: mean rating"] == 2
    assert scores["2"]["Moderated: % rated 2 or 3"] == reports.NOT_MODERATED


def test_each_action_line_carries_its_actions_status_now(audit):  # noqa: F811
    """The items sheet and the read-only answer show each line's status as its action has it
    now: a status recorded after the plan was made reaches the accepted report."""
    line = add_action(audit, "1.1")
    ActionRecord.objects.filter(pk=line.record_id).update(status="in_progress")
    header, rows = reports.report_sheets(audit)["Items"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Actions (what; owner; due month; status)"] == (
        "Run training; Head of learning; 2027-01; In progress"
    )
    theme = themes_with_responses(audit)[0]
    item = theme.audit_items[0]
    html = response_readonly(item, item.audit_responses[0], {})
    assert "status: In progress" in html


def test_the_export_has_the_leads_note_and_no_figure_from_its_reviews(client, audit_2, lead):  # noqa: F811
    """A version 2 audit's CSV, downloaded by its lead, has the lead's note on 6.1 in the
    "Lead's note" column and nothing of the figures or flags the pages show: own review
    counts are never in a file (docs/disclosure.md), and Panel staff download it too."""
    services.consistency_notes_save(
        audit=audit_2, notes={_item_id(audit_2, "6.1"): "Recording improved"}, seen={}, by=lead
    )
    client.force_login(lead)
    exported = client.get(f"/p/northshire/audits/{audit_2.cycle.name}/export.csv")
    assert exported.status_code == 200
    content = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    header, body = rows[1], rows[2 : rows.index([])]
    by_ref = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert by_ref["6.1"]["Lead's note"] == "Recording improved"
    assert by_ref["6.3"]["Lead's note"] == ""
    assert "complete reviews" not in content
    assert "not borne out" not in content
    assert "Evidence from your reviews" not in header
