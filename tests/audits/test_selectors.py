"""The audit selectors against hand-computed fixtures: scores, task-list progress and the
Panel's cycle counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audits import selectors, services
from audits.models import (
    Audit,
    AuditEvent,
    Cycle,
    FrameworkVersion,
    Response,
    ScaleLevel,
    Theme,
)
from audits.querysets import FrameworkLockedError
from tests.audits.factories import line_for
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def make_cycle(name="2026-27", *, opens_days_ago=30) -> Cycle:
    today = timezone.localdate()
    return Cycle.objects.create(
        name=name,
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=opens_days_ago),
        closes_on=today + timedelta(days=30),
    )


def set_answers(audit, answers: dict[str, dict]):
    """Write fields of responses directly, keyed by item ref; selectors only read them."""
    for ref, fields in answers.items():
        updated = Response.objects.filter(audit=audit, item__ref=ref).update(**fields)
        assert updated == 1, ref


def add_action(audit, ref, *, owner="Head of learning", due_month=date(2027, 1, 1)):
    response = Response.objects.get(audit=audit, item__ref=ref)
    return line_for(response, what="Run training", owner=owner, due_month=due_month)


@pytest.fixture
def cycle(db):
    return make_cycle()


@pytest.fixture
def audit(northshire, lead, cycle):
    return services.audit_start(partnership=northshire, cycle=cycle, by=lead)


# audit_scores --------------------------------------------------------------------------


@pytest.fixture
def scored(audit, eastmere, other_lead, cycle):
    """Theme 1 rated 0,1,2,3,3; theme 2 with two carried-forward answers; some moderation.

    Eastmere's audit in the same cycle is rated 3 throughout and must not leak in.
    """
    set_answers(
        audit,
        {
            "1.1": {"rating": 0, "moderated_rating": 1},
            "1.2": {"rating": 1, "moderated_rating": 2},
            "1.3": {"rating": 2, "moderated_rating": 2},
            "1.4": {"rating": 3},
            "1.5": {"rating": 3},
            "2.1": {"rating": 3, "carried_forward": True, "moderated_rating": 3},
            "2.2": {"rating": 2, "carried_forward": True},
            "2.3": {"rating": 1},
        },
    )
    theirs = services.audit_start(partnership=eastmere, cycle=cycle, by=other_lead)
    Response.objects.filter(audit=theirs).update(rating=3, moderated_rating=0)
    return audit


def test_audit_scores_per_theme_from_own_ratings(scored):
    """Theme 1 rated 0,1,2,3,3 has mean 1.8 and 3 of 5 items rated 2 or 3."""
    theme = selectors.audit_scores(scored)["themes"][0]
    assert (theme["number"], theme["items"]) == (1, 5)
    assert theme["self_mean"] == pytest.approx(1.8)
    assert (theme["self_rated"], theme["self_high"]) == (5, 3)
    assert theme["self_share"] == pytest.approx(3 / 5)


def test_audit_scores_leave_out_carried_forward_answers(scored):
    """Theme 2's carried-forward 3 and 2 do not count: only its 1 is averaged, none is high."""
    theme = selectors.audit_scores(scored)["themes"][1]
    assert (theme["number"], theme["items"]) == (2, 4)
    assert theme["self_mean"] == pytest.approx(1.0)
    assert (theme["self_rated"], theme["self_high"]) == (1, 0)
    assert theme["self_share"] == pytest.approx(0.0)


def test_audit_scores_moderated_figures_are_separate(scored):
    """Moderated means and shares use only the Panel's ratings, carried forward or not."""
    one, two = selectors.audit_scores(scored)["themes"][:2]
    assert one["moderated_mean"] == pytest.approx(5 / 3)
    assert (one["moderated_rated"], one["moderated_high"]) == (3, 2)
    assert one["moderated_share"] == pytest.approx(2 / 5)
    assert two["moderated_mean"] == pytest.approx(3.0)
    assert (two["moderated_rated"], two["moderated_high"]) == (1, 1)
    assert two["moderated_share"] == pytest.approx(1 / 4)


def test_audit_scores_unrated_themes_have_no_mean(scored):
    """Themes nobody has rated have no mean and a share of 0, and every theme is listed."""
    themes = selectors.audit_scores(scored)["themes"]
    assert [t["number"] for t in themes] == [1, 2, 3, 4, 5, 6, 7]
    assert [t["items"] for t in themes] == [5, 4, 5, 5, 5, 5, 5]
    for theme in themes[2:]:
        assert theme["self_mean"] is None
        assert theme["moderated_mean"] is None
        assert theme["self_share"] == pytest.approx(0.0)
        assert theme["self_rated"] == 0


def test_audit_scores_overall_across_the_audit(scored):
    """Overall figures pool every counted rating of this audit alone over all 34 items."""
    overall = selectors.audit_scores(scored)["overall"]
    assert overall["items"] == 34
    # Own ratings counted: 0, 1, 2, 3, 3 and 1.
    assert overall["self_mean"] == pytest.approx(10 / 6)
    assert (overall["self_rated"], overall["self_high"]) == (6, 3)
    assert overall["self_share"] == pytest.approx(3 / 34)
    # Moderated: 1, 2, 2 and 3.
    assert overall["moderated_mean"] == pytest.approx(2.0)
    assert (overall["moderated_rated"], overall["moderated_high"]) == (4, 3)
    assert overall["moderated_share"] == pytest.approx(3 / 34)


def test_audit_scores_of_a_fresh_audit(audit):
    """A just-started audit has every item counted and nothing rated."""
    scores = selectors.audit_scores(audit)
    assert scores["overall"]["items"] == 34
    assert scores["overall"]["self_mean"] is None
    assert scores["overall"]["moderated_mean"] is None
    assert scores["overall"]["self_share"] == pytest.approx(0.0)
    assert len(scores["themes"]) == 7


# task_list -----------------------------------------------------------------------------


def test_task_list_of_a_fresh_audit(audit):
    """A new audit has every theme not started and every item breaking the rating rule."""
    tasks = selectors.task_list(audit)
    assert [row["status"] for row in tasks["rows"]] == ["not_started"] * 7
    assert [row["items"] for row in tasks["rows"]] == [5, 4, 5, 5, 5, 5, 5]
    assert [row["theme"].number for row in tasks["rows"]] == [1, 2, 3, 4, 5, 6, 7]
    assert (tasks["completed"], tasks["total"]) == (0, 7)
    assert len(tasks["breaches"]) == 34
    assert {breach.rule.code for breach in tasks["breaches"]} == {"unrated"}


def test_task_list_statuses(audit):
    """Themes are completed only when no rule is broken, in progress once anything is
    answered, and carried-forward answers are counted but not accepted."""
    set_answers(audit, {f"1.{n}": {"rating": 2, "evidence": "Minutes"} for n in range(1, 6)})
    # Theme 2: one item rated 0 whose only action has no due month.
    set_answers(audit, {"2.1": {"rating": 0}})
    add_action(audit, "2.1", due_month=None)
    # Theme 3: evidence but no rating.
    set_answers(audit, {"3.4": {"evidence": "Draft strategy"}})
    # Theme 5: every item rated 0 or 1 with a complete action.
    set_answers(audit, {f"5.{n}": {"rating": n % 2} for n in range(1, 6)})
    for n in range(1, 6):
        add_action(audit, f"5.{n}")
    # Theme 6: every item carried forward, not yet reviewed.
    set_answers(
        audit,
        {
            f"6.{n}": {"rating": 3, "evidence": "Old evidence", "carried_forward": True}
            for n in range(1, 6)
        },
    )
    tasks = selectors.task_list(audit)
    assert [row["status"] for row in tasks["rows"]] == [
        "completed",
        "in_progress",
        "in_progress",
        "not_started",
        "completed",
        "in_progress",
        "not_started",
    ]
    assert [row["carried_forward"] for row in tasks["rows"]] == [0, 0, 0, 0, 0, 5, 0]
    assert (tasks["completed"], tasks["total"]) == (2, 7)
    messages = [breach.message for breach in tasks["breaches"]]
    assert messages[0] == (
        "Item 2.1 is rated 0 or 1, so it needs an action with an owner and a due month"
    )
    assert "Item 3.4 needs a rating" in messages
    assert "Item 6.1 needs a rating" in messages
    assert not any(m.startswith(("Item 1.", "Item 5.")) for m in messages)


def test_task_list_evidence_rule_keeps_theme_in_progress(audit):
    """A theme whose items are all rated 3 is still in progress while one lacks evidence."""
    set_answers(audit, {f"7.{n}": {"rating": 3, "evidence": "Report"} for n in range(1, 5)})
    set_answers(audit, {"7.5": {"rating": 3, "evidence": "   "}})
    tasks = selectors.task_list(audit)
    assert tasks["rows"][6]["status"] == "in_progress"
    assert [b.message for b in tasks["breaches"] if b.item_ref.startswith("7.")] == [
        "Item 7.5 is rated 2 or 3, so it needs evidence"
    ]


# cycles_with_counts --------------------------------------------------------------------


def test_cycles_with_counts(db):
    """Cycles come newest first with how many audits are in each status; empty ones count 0."""
    older = make_cycle("2025-26", opens_days_ago=400)
    current = make_cycle("2026-27", opens_days_ago=30)
    newest = make_cycle("2027-28", opens_days_ago=1)
    statuses = ["draft", "draft", "submitted", "returned", "accepted", "accepted", "accepted"]
    for status in statuses:
        Audit.objects.create(partnership=PartnershipFactory(), cycle=current, status=status)
    Audit.objects.create(partnership=PartnershipFactory(), cycle=older, status="accepted")
    cycles = list(selectors.cycles_with_counts())
    assert cycles == [newest, current, older]
    counts = {c.name: (c.draft, c.submitted, c.returned, c.accepted) for c in cycles}
    assert counts == {
        "2027-28": (0, 0, 0, 0),
        "2026-27": (2, 1, 1, 3),
        "2025-26": (0, 0, 0, 1),
    }


# Other reads ---------------------------------------------------------------------------


def test_get_audit_is_none_until_started(northshire, eastmere, cycle, other_lead):
    """get_audit finds only the partnership's own audit in the cycle."""
    assert selectors.get_audit(partnership=northshire, cycle=cycle) is None
    theirs = services.audit_start(partnership=eastmere, cycle=cycle, by=other_lead)
    assert selectors.get_audit(partnership=northshire, cycle=cycle) is None
    assert selectors.get_audit(partnership=eastmere, cycle=cycle) == theirs


def test_get_cycle_and_audit_finds_the_partnerships_own_in_one_query(
    northshire, eastmere, cycle, other_lead, django_assert_num_queries
):
    """The cycle with no audit of the partnership yet (another's does not count); then the
    cycle, its version and the audit in one query; no such cycle is DoesNotExist."""
    theirs = services.audit_start(partnership=eastmere, cycle=cycle, by=other_lead)
    assert selectors.get_cycle_and_audit(cycle.name, partnership=northshire) == (cycle, None)
    with django_assert_num_queries(1):
        found, audit = selectors.get_cycle_and_audit(cycle.name, partnership=eastmere)
        assert (found, audit) == (cycle, theirs)
        assert found.version.framework.name and audit.partnership == eastmere
    with pytest.raises(Cycle.DoesNotExist):
        selectors.get_cycle_and_audit("2099-00", partnership=eastmere)


def test_themes_with_responses_holds_only_this_audits_answers(audit, eastmere, cycle, other_lead):
    """Each item of each theme carries exactly this audit's response."""
    services.audit_start(partnership=eastmere, cycle=cycle, by=other_lead)
    themes = selectors.themes_with_responses(audit)
    assert [t.number for t in themes] == [1, 2, 3, 4, 5, 6, 7]
    responses = [r for t in themes for item in t.audit_items for r in item.audit_responses]
    assert len(responses) == 34
    assert {r.audit_id for r in responses} == {audit.pk}
    assert [item.ref for item in themes[1].audit_items] == ["2.1", "2.2", "2.3", "2.4"]


def test_timeline_and_latest_return_reason(audit, lead, panel):
    """The timeline is oldest first, and the latest return's reason is the one shown."""
    at = timezone.now()
    for minutes, kind, reason in [
        (1, "submitted", ""),
        (2, "returned", "First reason"),
        (3, "submitted", ""),
        (4, "returned", "Second reason"),
    ]:
        AuditEvent.objects.create(
            audit=audit, kind=kind, by=panel, at=at + timedelta(minutes=minutes), reason=reason
        )
    assert [e.kind for e in selectors.timeline(audit)] == [
        "started",
        "submitted",
        "returned",
        "submitted",
        "returned",
    ]
    assert selectors.latest_return_reason(audit) == "Second reason"


def test_latest_return_reason_is_empty_when_never_returned(audit):
    """An audit never returned has no reason to show."""
    assert selectors.latest_return_reason(audit) == ""


def test_scale_levels_and_level_map(cycle):
    """The scale runs 0 to 3 with its labels, as a list and keyed by value."""
    levels = selectors.scale_levels(cycle.version_id)
    assert [(level.value, level.label) for level in levels] == [
        (0, "Not in place"),
        (1, "Emerging"),
        (2, "Established"),
        (3, "Embedded"),
    ]
    assert selectors.level_map(cycle.version_id)[2].label == "Established"


def test_a_published_versions_themes_and_scale_come_from_the_cache_and_are_its_own(
    cycle, django_assert_num_queries
):
    """A published version's themes and scale, once read, cost no query and are what the
    database holds; they cannot go stale, since such a version's content never changes."""
    version = cycle.version
    assert version.is_frozen
    themes, levels = selectors.version_themes(version), selectors.version_levels(version)
    with django_assert_num_queries(0):
        again = selectors.version_themes(version), selectors.version_levels(version)
    assert [(t.pk, t.number, t.title) for t in again[0]] == [
        (t.pk, t.number, t.title) for t in Theme.objects.filter(version=version).order_by("number")
    ]
    assert [(t.pk, t.title) for t in themes] == [(t.pk, t.title) for t in again[0]]
    assert [(lv.value, lv.label) for lv in again[1]] == [(lv.value, lv.label) for lv in levels]
    with pytest.raises(FrameworkLockedError):
        Theme.objects.filter(version=version).update(title="Changed")


def test_a_draft_versions_themes_and_scale_are_read_afresh(django_assert_num_queries):
    """A draft's content may still change, so every read sees the database as it is now."""
    draft = FrameworkVersion.objects.create(
        framework=FrameworkVersion.objects.get(number=1).framework, number=4, title="Draft"
    )
    assert selectors.version_themes(draft) == [] and selectors.version_levels(draft) == []
    Theme.objects.create(version=draft, number=1, title="Leadership")
    ScaleLevel.objects.create(version=draft, value=0, label="None", description="Nothing")
    with django_assert_num_queries(2):
        themes, levels = selectors.version_themes(draft), selectors.version_levels(draft)
    assert [t.title for t in themes] == ["Leadership"]
    assert [lv.label for lv in levels] == ["None"]


@pytest.mark.parametrize("name", ["2026\x00-27", "\x00", "2026-27\x00", "26-27", "2026-2027", ""])
def test_get_cycle_refuses_names_no_cycle_could_have_without_a_query(
    django_assert_num_queries, name
):
    """A name off the cycle-name pattern (a NUL byte, say) is DoesNotExist before any query."""
    make_cycle()
    with django_assert_num_queries(0), pytest.raises(Cycle.DoesNotExist):
        selectors.get_cycle(name)


def test_get_cycle_finds_a_cycle_by_name():
    """A well-formed name finds its cycle."""
    cycle = make_cycle()
    assert selectors.get_cycle("2026-27") == cycle


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3 / 20, "0.2"), (Decimal("0.15"), "0.2"), (1 / 20, "0.0"), (5 / 3, "1.7"), (2.25, "2.2")],
)
def test_means_are_shown_as_postgresqls_average_was(value, shown):
    """Scores are now averaged in Python, as floats; a mean is still shown rounded half to
    even from its decimal value, as PostgreSQL's exact AVG was, so 3 of 20 shows 0.2 (the
    float 0.15 is a shade under and would round down) and every figure is as before."""
    from audits.templatetags.audit_tags import mean

    assert mean(value) == shown
