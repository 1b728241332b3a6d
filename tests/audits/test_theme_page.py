"""The theme page after issue 11: rules told at save, reveal markup, character counts, the one
month field, landing on a new action line, the task list's reason for "In progress"."""

import re

import pytest

from audits import rules, selectors, services
from audits.forms import DUE_LABEL, EVIDENCE_MAX, OWNER_MAX, WHAT_MAX, WHAT_TOO_LONG
from audits.models import ActionRecord, Item, Response
from partnerships.months import MONTH_PART_MISSING

from .factories import accepted_audit_with_actions
from .test_views import BASE, EVIDENCE, answer_theme, form_data, make_cycle, response_for, text


@pytest.fixture
def audit(northshire, lead, db):
    return services.audit_start(partnership=northshire, cycle=make_cycle(), by=lead)


@pytest.fixture
def items(db):
    return {item.ref: item for item in Item.objects.filter(theme__version__number=1)}


def test_a_rule_broken_at_save_is_saved_and_listed_with_links(client, audit, contributor, items):
    """A 2 without evidence and a 1 without an action save, and the theme page then lists
    each broken rule in the rule's own words, linked to the item, saying it was saved."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    one, two = items["1.1"].pk, items["1.2"].pk
    data |= {f"i{one}-rating": "2", f"i{two}-rating": "1", "action": "continue"}
    response = client.post(BASE + "themes/1/", data)
    assert response["Location"] == BASE + "themes/1/#rule-breaches"
    assert (response_for(audit, "1.1").rating, response_for(audit, "1.2").rating) == (2, 1)
    html = text(client.get(response["Location"].split("#")[0]))
    assert "Theme 1 saved. 5 items still break a rule" in html
    assert "Your answers are saved, but 5 items still break a rule" in html
    one_breach = rules.EVIDENCE_RULE.message.format(ref="1.1")
    two_breach = rules.ACTION_RULE.message.format(ref="1.2")
    assert f'href="#{items["1.1"].anchor}">{one_breach}</a>' in html
    assert f'href="#{items["1.2"].anchor}">{two_breach}</a>' in html
    assert rules.EVIDENCE_RULE.text() in html
    assert "Continue to theme 2" in html


def test_save_and_continue_goes_on_once_every_rule_is_met(client, audit, contributor, items):
    """With every item of the theme meeting every rule, Save and continue goes to theme 2."""
    client.force_login(contributor)
    data = form_data(client.get(BASE + "themes/1/"))
    for ref in ("1.1", "1.2", "1.3", "1.4", "1.5"):
        data |= {f"i{items[ref].pk}-rating": "3", f"i{items[ref].pk}-evidence": EVIDENCE}
    data["action"] = "continue"
    response = client.post(BASE + "themes/1/", data)
    assert response["Location"] == BASE + "themes/2/"


def test_a_theme_not_started_lists_no_broken_rules(client, audit, contributor):
    """An untouched theme does not greet the person with five 'needs a rating' lines."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    assert 'data-testid="rule-breaches"' not in html


def test_task_list_says_why_a_theme_is_in_progress(client, audit, contributor, lead):
    """The task list's hint for an in-progress theme counts the items that break a rule."""
    answer_theme(audit, 1, by=lead, rating=2, evidence="", only={"1.1", "1.2"})
    answer_theme(audit, 2, by=lead)
    client.force_login(contributor)
    html = text(client.get(BASE))
    hint = re.search(r'data-testid="theme-1-hint">(.*?)</div>', html).group(1)
    assert hint == "5 items. In progress because 5 items still break a rule"
    hint = re.search(r'data-testid="theme-2-hint">(.*?)</div>', html).group(1)
    assert hint == "4 items"


def test_reveal_panels_name_the_ratings_from_the_rules(client, audit, contributor, items):
    """Evidence is revealed for the evidence rule's ratings, the action plan for the action
    rule's; both are in the page (shown without JavaScript)."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    pk = items["1.1"].pk
    evidence = " ".join(map(str, rules.EVIDENCE_RULE.levels))
    actions = " ".join(map(str, rules.ACTION_RULE.levels))
    assert (
        f'data-app-reveal="i{pk}-rating" data-app-reveal-values="{evidence}"' in html
    ) and f'id="id_i{pk}-evidence"' in html
    assert f'data-app-reveal="i{pk}-rating" data-app-reveal-values="{actions}"' in html
    assert "app-reveal--hidden" not in html


def test_character_counts_carry_each_limit(client, audit, contributor):
    """Evidence, what will be done and owner each have a GOV.UK character count."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    for limit in (EVIDENCE_MAX, WHAT_MAX, OWNER_MAX):
        assert f'data-module="govuk-character-count" data-maxlength="{limit}"' in html
        assert f"You can enter up to {limit} characters" in html


def test_an_item_rated_2_with_no_actions_shows_no_blank_action_line(
    client, audit, contributor, items, lead
):
    """A rating needing evidence shows Add an action rather than an empty line."""
    answer_theme(audit, 1, by=lead, rating=2, only={"1.1"})
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    pk = items["1.1"].pk
    assert f'name="i{pk}-actions-TOTAL_FORMS" value="0"' in html
    assert 'Add an action<span class="govuk-visually-hidden"> to item 1.1' in html
    assert f'name="i{items["1.2"].pk}-actions-0-what"' in html


def test_add_another_action_posts_to_the_new_line(client, audit, contributor, items):
    """The add button's formaction is the new line's id, and the page shown after the post
    has that line, with everything typed kept."""
    client.force_login(contributor)
    page = client.get(BASE + "themes/1/")
    pk = items["1.1"].pk
    assert f'formaction="#i{pk}-actions-1"' in text(page)
    data = form_data(page) | {
        f"i{pk}-rating": "1",
        f"i{pk}-actions-0-what": "Publish a statement",
        "add_action": str(pk),
    }
    html = text(client.post(BASE + "themes/1/", data))
    assert f'id="i{pk}-actions-1"' in html
    assert "Publish a statement</textarea>" in html
    assert f'formaction="#i{pk}-actions-2"' in html
    assert f'formaction="#i{pk}-actions-plan"' in html
    assert f'id="i{pk}-actions-plan"' in html


def test_due_month_is_the_one_month_field(client, audit, contributor, items):
    """An action's due month posts due_month and due_year, saves as the 1st, and a month
    without a year is refused with the month field's message, linked to the month input."""
    client.force_login(contributor)
    pk = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/"))
    data |= {
        f"i{pk}-rating": "0",
        f"i{pk}-actions-0-what": "Publish a statement",
        f"i{pk}-actions-0-owner": "Business manager",
        f"i{pk}-actions-0-due_month": "6",
        f"i{pk}-actions-0-due_year": "",
        "action": "later",
    }
    html = text(client.post(BASE + "themes/1/", data))
    message = MONTH_PART_MISSING.format(label=DUE_LABEL)
    assert f'<a href="#id_i{pk}-actions-0-due_0">1.1: {message}</a>' in html
    data[f"i{pk}-actions-0-due_year"] = "2027"
    assert client.post(BASE + "themes/1/", data).status_code == 302
    assert str(response_for(audit, "1.1").actions.get().due_month) == "2027-06-01"


def test_what_over_its_limit_is_an_error_that_keeps_the_text(client, audit, contributor, items):
    """An action longer than its limit is refused with its message and nothing is lost."""
    client.force_login(contributor)
    pk = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/")) | {
        f"i{pk}-rating": "0",
        f"i{pk}-actions-0-what": "x" * (WHAT_MAX + 1),
        "action": "later",
    }
    html = text(client.post(BASE + "themes/1/", data))
    assert f"1.1: {WHAT_TOO_LONG}" in html
    assert "x" * (WHAT_MAX + 1) + "</textarea>" in html
    assert not Response.objects.filter(audit=audit, rating__isnull=False).exists()


@pytest.mark.parametrize("viewer_is_panel", [True, False])
def test_theme_title_names_the_partnership(client, audit, contributor, panel, viewer_is_panel):
    """The theme page's title names theme, partnership and cycle (Panel staff read many)."""
    client.force_login(panel if viewer_is_panel else contributor)
    response = client.get(BASE + "themes/3/")
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", text(response), flags=re.S).group(1)
    assert "Northshire Safeguarding Children Partnership" in title
    assert title.startswith("3. ") and "2026-27 audit" in title


def test_evidence_kept_when_rating_changes_to_0(client, audit, contributor, items, lead):
    """Evidence typed before the rating changes to 0 is still posted and saved: nothing lost."""
    answer_theme(audit, 1, by=lead, rating=2, only={"1.1"})
    client.force_login(contributor)
    pk = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/")) | {f"i{pk}-rating": "0", "action": "later"}
    data[f"i{pk}-actions-TOTAL_FORMS"] = "0"
    assert client.post(BASE + "themes/1/", data).status_code == 302
    saved = response_for(audit, "1.1")
    assert (saved.rating, saved.evidence) == (0, EVIDENCE)


def test_rating_radios_are_small_with_a_hint_per_level(client, audit, contributor, items):
    """Each rating radio is labelled with its level and described by the level's hint."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    pk = items["1.1"].pk
    assert "govuk-radios govuk-radios--small" in html
    for position, level in enumerate(selectors.scale_levels(audit.cycle.version_id), 1):
        radio = f"id_i{pk}-rating_{position}"
        assert re.search(
            rf'id="{radio}"[^>]*value="{level.value}"[^>]*'
            rf'aria-describedby="{radio}_hint"',
            html,
        )
        hint = re.search(
            rf'<span id="{radio}_hint" class="govuk-hint govuk-radios__hint">'
            r"\s*(.*?)\s*</span>",
            html,
        ).group(1)
        assert hint == level.description
        assert re.search(rf'for="{radio}">\s*{level.value} {level.label}\s*</label>', html)


def test_page_has_one_csrf_token_and_crispy_adds_no_form(client, audit, contributor):
    """crispy renders fields only: the page keeps its one <form> and one CSRF token."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    form = re.search(r'<form method="post" novalidate>(.*?)</form>', html, flags=re.S).group(1)
    assert "<form" not in form
    assert form.count('name="csrfmiddlewaretoken"') == 1
    assert 'name="i' in form and "actions-TOTAL_FORMS" in form


def test_add_action_post_back_shows_no_error_nor_error_markup(client, audit, contributor, items):
    """Adding a line to a page with an over-long action shows no error at all: no message,
    no red field, no aria-describedby pointing at an error that is not there; text kept."""
    client.force_login(contributor)
    pk = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/")) | {
        f"i{pk}-rating": "9",
        f"i{pk}-actions-0-what": "x" * (WHAT_MAX + 1),
        f"i{pk}-actions-0-due_month": "13",
        "add_action": str(pk),
    }
    html = text(client.post(BASE + "themes/1/", data))
    assert "There is a problem" not in html
    for marker in ("govuk-error-message", "--error", "_1_error"):
        assert marker not in html
    assert "x" * (WHAT_MAX + 1) + "</textarea>" in html
    assert f'id="i{pk}-actions-1"' in html


def test_errors_mark_the_fields_they_belong_to(client, audit, contributor, items):
    """On a failed save crispy shows each error at its field, linked from the summary."""
    client.force_login(contributor)
    pk = items["1.1"].pk
    data = form_data(client.get(BASE + "themes/1/")) | {
        f"i{pk}-rating": "0",
        f"i{pk}-actions-0-what": "x" * (WHAT_MAX + 1),
        "action": "later",
    }
    html = text(client.post(BASE + "themes/1/", data))
    what = f"id_i{pk}-actions-0-what"
    assert f'<a href="#{what}">1.1: {WHAT_TOO_LONG}</a>' in html
    assert re.search(rf'<span id="{what}_1_error" class="govuk-error-message">', html)
    assert re.search(rf'<textarea[^>]*class="[^"]*govuk-input--error[^"]*"[^>]*id="{what}"', html)


def test_carried_forward_answer_has_a_small_confirm_checkbox(
    client, audit, contributor, items, lead
):
    """A carried-forward answer shows a small confirm checkbox naming the item."""
    Response.objects.filter(audit=audit, item=items["1.1"]).update(carried_forward=True)
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    pk = items["1.1"].pk
    assert "govuk-checkboxes govuk-checkboxes--small" in html
    assert re.search(rf'name="i{pk}-confirm"[^>]*id="id_i{pk}-confirm"', html)
    assert re.search(
        r"I have reviewed the carried-forward answer to item 1.1 and it is still right", html
    )
    assert f'name="i{items["1.2"].pk}-confirm"' not in html


def test_long_text_fields_have_no_maxlength_attribute(client, audit, contributor):
    """No maxlength on the theme page: pasted text over a limit is kept and refused at save,
    never cut off by the browser."""
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    assert 'data-maxlength="5000"' in html
    assert not re.search(r"\smaxlength=", html)


def test_theme_page_shows_carried_actions_and_what_happened_to_the_closed_ones(
    client, northshire, lead, panel, contributor
):
    """In the next cycle's audit, an open action of the last is on the theme page as a carried
    line with its status, a link to update it and no Remove button; the last cycle's done and
    dropped actions for the item are listed under it with what happened to them."""
    last = accepted_audit_with_actions(
        partnership=northshire,
        lead=lead,
        panel=panel,
        cycle=make_cycle("2025-26", opens_days_ago=400, closes_in_days=30),
    )
    records = {
        record.item_ref: record
        for record in ActionRecord.objects.filter(lines__response__audit=last)
    }
    services.action_update(record=records["1.1"], status="done", seen_revision=0, by=lead)
    services.action_update(
        record=records["1.2"],
        status="dropped",
        reason="Covered by the regional programme",
        seen_revision=0,
        by=lead,
    )
    services.action_update(record=records["1.3"], status="in_progress", seen_revision=0, by=lead)
    services.audit_start(partnership=northshire, cycle=make_cycle(), by=contributor)
    client.force_login(contributor)
    html = text(client.get(BASE + "themes/1/"))
    assert 'data-testid="line-status-1.3-1">Carried from 2025-26 · In progress ·' in html
    assert f'href="/p/northshire/actions/{records["1.3"].pk}/"' in html
    assert "> from item 1.3</span></button>" not in html
    assert "What happened to your 2025-26 actions for item 1.1" in html
    assert "Train every social worker: Done" in html
    assert "Train every social worker: Dropped: Covered by the regional programme" in html
    assert 'data-testid="closed-before-1.3"' not in html
    tasks = text(client.get(BASE))
    assert "3 actions that were still open in earlier plans are carried into this audit" in tasks
