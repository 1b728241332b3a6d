from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audits import services
from audits.models import Action, ActionRecord, Audit, AuditEvent, Cycle, FrameworkVersion, Response
from audits.rules import broken_rules
from audits.services import ActionLine, ItemAnswer, ThemeConflict
from tests.partnerships.factories import UserFactory

from .factories import (
    EVIDENCE,
    CycleFactory,
    action_lines,
    answers_for,
    complete_action,
    complete_audit,
    moderations_for,
    rate_theme,
    responses_of,
    seen_revisions,
    start_audit,
    submitted_audit,
    themes_of,
    version_1,
)

pytestmark = pytest.mark.django_db

NORTHSHIRE = "Northshire Safeguarding Children Partnership"


def _today():
    return timezone.localdate()


def _close(cycle):
    """Move the cycle's dates so that it closed yesterday."""
    Cycle.objects.filter(pk=cycle.pk).update(
        opens_on=_today() - timedelta(days=60), closes_on=_today() - timedelta(days=1)
    )


def _events(audit):
    return list(audit.events.values_list("kind", "by__email", "reason"))


def _status(audit):
    return Audit.objects.get(pk=audit.pk).status


@pytest.fixture
def cycle():
    return CycleFactory()


@pytest.fixture
def audit(northshire, lead, cycle):
    return services.audit_start(partnership=northshire, cycle=cycle, by=lead)


@pytest.fixture
def theme(audit):
    return themes_of(audit)[0]


@pytest.fixture
def submitted(northshire, lead, contributor, viewer, panel, other_lead):
    return submitted_audit(partnership=northshire, lead=lead)


def _save_one(audit, theme, by, *, rating=2, evidence=EVIDENCE, actions=()):
    """Change the theme's first item through theme_save, keeping the others."""
    first = responses_of(audit, theme)[0]
    key = "i" + first.item.ref.replace(".", "_")
    answer = ItemAnswer(rating=rating, evidence=evidence, actions=list(actions))
    return services.theme_save(
        audit=audit,
        theme=theme,
        answers=answers_for(audit, theme, **{key: answer}),
        seen_revisions=seen_revisions(audit, theme),
        by=by,
    )


# cycle_open


def test_panel_opens_a_cycle(panel):
    """Panel staff open a cycle pinned to a published version; it records who opened it."""
    cycle = services.cycle_open(
        name="2026-27",
        version=version_1(),
        opens_on=_today(),
        closes_on=_today() + timedelta(days=90),
        by=panel,
    )
    assert cycle.created_by == panel
    assert cycle.version == version_1()
    assert Cycle.objects.open_on().get() == cycle


def test_opening_a_cycle_is_in_its_history_with_who(panel):
    """A cycle has a change history; its first entry is the opening, by the Panel member."""
    cycle = services.cycle_open(
        name="2026-27",
        version=version_1(),
        opens_on=_today(),
        closes_on=_today() + timedelta(days=90),
        by=panel,
    )
    opened = cycle.history.get()
    assert (opened.history_type, opened.history_user, opened.name) == ("+", panel, "2026-27")


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "outsider"])
def test_only_panel_opens_cycles(request, persona):
    """Anyone but Panel staff is refused with PermissionDenied and no cycle is made."""
    with pytest.raises(PermissionDenied):
        services.cycle_open(
            name="2026-27",
            version=version_1(),
            opens_on=_today(),
            closes_on=_today() + timedelta(days=90),
            by=request.getfixturevalue(persona),
        )
    assert not Cycle.objects.exists()


def test_cycle_may_open_and_close_on_the_same_day(panel):
    """A one-day cycle is allowed."""
    cycle = services.cycle_open(
        name="2026-27", version=version_1(), opens_on=_today(), closes_on=_today(), by=panel
    )
    assert cycle.is_open(_today())


def test_cycle_closing_before_it_opens_is_refused(panel):
    """A closing date before the opening date is a ValidationError with code dates."""
    with pytest.raises(ValidationError) as caught:
        services.cycle_open(
            name="2026-27",
            version=version_1(),
            opens_on=_today(),
            closes_on=_today() - timedelta(days=1),
            by=panel,
        )
    assert caught.value.code == "dates"
    assert caught.value.message == services.CYCLE_DATES
    assert not Cycle.objects.exists()


def test_duplicate_cycle_name_is_refused(panel):
    """A second cycle with the same name is a ValidationError with code name."""
    CycleFactory(name="2026-27")
    with pytest.raises(ValidationError) as caught:
        services.cycle_open(
            name="2026-27",
            version=version_1(),
            opens_on=_today(),
            closes_on=_today() + timedelta(days=1),
            by=panel,
        )
    assert caught.value.code == "name"
    assert caught.value.message == "There is already a cycle called 2026-27"
    assert Cycle.objects.count() == 1


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_cycle_needs_a_published_version(panel, status):
    """A draft or retired version cannot be used for a new cycle."""
    if status == "draft":
        version = FrameworkVersion.objects.create(
            framework=version_1().framework, number=4, title="Version 4"
        )
    else:
        version = version_1()
        version.status = status
        version.save()
    with pytest.raises(ValidationError) as caught:
        services.cycle_open(
            name="2026-27",
            version=version,
            opens_on=_today(),
            closes_on=_today() + timedelta(days=1),
            by=panel,
        )
    assert caught.value.code == "version"
    assert not Cycle.objects.exists()


# audit_start


@pytest.mark.parametrize("persona", ["lead", "contributor"])
def test_lead_or_contributor_starts_an_audit(request, northshire, cycle, persona):
    """Leads and contributors start an audit: 34 blank responses and a STARTED event."""
    person = request.getfixturevalue(persona)
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=person)
    assert audit.status == Audit.Status.DRAFT
    assert audit.partnership == northshire
    assert audit.cycle == cycle
    assert audit.carried_forward_from is None
    responses = Response.objects.filter(audit=audit)
    assert responses.count() == 34
    assert set(responses.values_list("item__theme__version", flat=True)) == {version_1().pk}
    assert responses.values("item").distinct().count() == 34
    assert not responses.exclude(rating=None).exists()
    assert not responses.exclude(evidence="").exists()
    assert not responses.filter(carried_forward=True).exists()
    assert set(responses.values_list("revision", flat=True)) == {0}
    assert _events(audit) == [("started", person.email, "")]


@pytest.mark.parametrize("persona", ["viewer", "panel", "other_lead", "outsider"])
def test_others_cannot_start_an_audit(request, northshire, lead, cycle, persona):
    """Viewers, Panel staff, other partnerships' leads and outsiders get PermissionDenied."""
    with pytest.raises(PermissionDenied):
        services.audit_start(
            partnership=northshire, cycle=cycle, by=request.getfixturevalue(persona)
        )
    assert not Audit.objects.exists()


def test_audit_cannot_start_after_the_cycle_closes(northshire, lead):
    """A closed cycle refuses a new audit with a ValidationError naming the closing date."""
    closes_on = _today() - timedelta(days=1)
    cycle = CycleFactory(opens_on=_today() - timedelta(days=60), closes_on=closes_on)
    with pytest.raises(ValidationError) as caught:
        services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    assert caught.value.code == "cycle_closed"
    assert caught.value.message == (
        f"The 2026-27 cycle closed on {closes_on.day} {closes_on:%B %Y}. "
        "Its audits can no longer change"
    )
    assert not Audit.objects.exists()


def test_audit_cannot_start_before_the_cycle_opens(northshire, lead):
    """A cycle that has not opened yet refuses a new audit."""
    cycle = CycleFactory(
        opens_on=_today() + timedelta(days=1), closes_on=_today() + timedelta(days=60)
    )
    with pytest.raises(ValidationError) as caught:
        services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    assert caught.value.code == "cycle_not_open"
    assert not Audit.objects.exists()


def test_audit_is_open_on_its_first_and_last_day(northshire, eastmere, lead, other_lead):
    """An audit may start on the day the cycle opens and on the day it closes."""
    first_day = CycleFactory(name="2026-27", opens_on=_today(), closes_on=_today() + timedelta(1))
    last_day = CycleFactory(name="2025-26", opens_on=_today() - timedelta(1), closes_on=_today())
    services.audit_start(partnership=northshire, cycle=first_day, by=lead)
    services.audit_start(partnership=eastmere, cycle=last_day, by=other_lead)
    assert Audit.objects.count() == 2


def test_audit_cannot_start_twice(northshire, lead, contributor, cycle):
    """A second start in the same cycle is a ValidationError and adds nothing."""
    services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    with pytest.raises(ValidationError) as caught:
        services.audit_start(partnership=northshire, cycle=cycle, by=contributor)
    assert caught.value.code == "exists"
    assert Audit.objects.count() == 1
    assert Response.objects.count() == 34
    assert AuditEvent.objects.count() == 1


def test_start_that_loses_a_race_is_told_the_audit_exists(northshire, lead, contributor, cycle):
    """If another start inserts the audit between the check and this insert, the unique
    constraint's refusal is caught inside a savepoint and told as "already started".

    (In one test transaction the other start is rolled back with this one; the real race,
    with two connections, is in tests/concurrency/test_audits.py.)"""
    look_up = services.previous_audit

    def other_press_gets_in_first(**kwargs):
        services.audit_start(partnership=northshire, cycle=cycle, by=contributor)
        return look_up(**kwargs)

    with (
        mock.patch.object(services, "previous_audit", other_press_gets_in_first),
        pytest.raises(ValidationError) as caught,
    ):
        services.audit_start(partnership=northshire, cycle=cycle, by=lead, carry_forward=True)
    assert caught.value.code == "exists"
    assert caught.value.message == "This partnership has already started its audit for 2026-27"


def test_two_partnerships_audit_in_the_same_cycle(northshire, eastmere, lead, other_lead, cycle):
    """Each partnership has its own audit and responses in a cycle."""
    mine = services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    theirs = services.audit_start(partnership=eastmere, cycle=cycle, by=other_lead)
    assert mine.responses.count() == theirs.responses.count() == 34


# Carrying answers forward


@pytest.fixture
def previous_audit(northshire, lead):
    """Last cycle's audit: theme 1 rated 1 with an action, the rest 2 with evidence, 7.5 blank."""
    cycle = CycleFactory(
        name="2025-26",
        opens_on=_today() - timedelta(days=90),
        closes_on=_today() + timedelta(days=90),
    )
    audit = start_audit(partnership=northshire, by=lead, cycle=cycle)
    themes = themes_of(audit)
    rate_theme(audit, themes[0], by=lead, rating=1, evidence="", actions=[complete_action()])
    for theme in themes[1:]:
        rate_theme(audit, theme, by=lead, rating=2, evidence=f"Evidence for theme {theme.number}")
    last = themes[-1]
    blank = ItemAnswer(rating=None, evidence="")
    services.theme_save(
        audit=audit,
        theme=last,
        answers=answers_for(audit, last, i7_5=blank),
        seen_revisions=seen_revisions(audit, last),
        by=lead,
    )
    Response.objects.filter(audit=audit).update(moderated_rating=3, moderation_note="Good")
    return audit


@pytest.fixture
def carried(previous_audit, northshire, contributor, cycle):
    return services.audit_start(
        partnership=northshire, cycle=cycle, by=contributor, carry_forward=True
    )


def test_carry_forward_copies_answers_as_unreviewed(previous_audit, carried, contributor):
    """Ratings and evidence are copied from last cycle's audit, each marked carried_forward."""
    assert carried.carried_forward_from == previous_audit
    old = {r.item_id: r for r in previous_audit.responses.all()}
    new = {r.item_id: r for r in carried.responses.all()}
    assert new.keys() == old.keys()
    for item_id, response in new.items():
        assert (response.rating, response.evidence) == (old[item_id].rating, old[item_id].evidence)
        answered = old[item_id].rating is not None
        assert response.carried_forward is answered
        assert response.revision == 0
        assert response.moderated_rating is None
        assert response.moderation_note == ""
        if answered:
            assert response.updated_by == contributor
    assert not carried.responses.get(item__ref="7.5").carried_forward


def test_carry_forward_copies_actions(previous_audit, carried):
    """Each carried item's actions are copied to the new audit's response as carried lines of
    the same actions (the same records), so their progress goes with them."""
    copied = Action.objects.filter(response__audit=carried)
    assert copied.count() == 5
    assert set(copied.values_list("response__item__theme__number", flat=True)) == {1}
    assert all(copied.values_list("carried", flat=True))
    fields = ("what", "owner", "due_month", "record", "order")
    assert sorted(copied.values_list(*fields)) == sorted(
        Action.objects.filter(response__audit=previous_audit).values_list(*fields)
    )
    # The old audit keeps its own actions.
    assert Action.objects.filter(response__audit=previous_audit).count() == 5


@pytest.mark.parametrize("carry_forward", [True, False])
def test_next_audit_carries_open_actions_not_closed_ones(
    previous_audit, northshire, contributor, cycle, carry_forward
):
    """Whether or not the answers are copied, the next audit's plan starts with every open
    action of the last (as carried lines of the same records, now their newest); a done or
    dropped action is not carried."""
    records = list(
        ActionRecord.objects.filter(lines__response__audit=previous_audit).order_by("item_ref")
    )
    done, dropped = records[0], records[1]
    done.status = "done"
    done.save()
    dropped.status, dropped.dropped_reason = "dropped", "Replaced"
    dropped.save()
    audit = services.audit_start(
        partnership=northshire, cycle=cycle, by=contributor, carry_forward=carry_forward
    )
    lines = Action.objects.filter(response__audit=audit).select_related("record", "response__item")
    assert sorted(line.response.item.ref for line in lines) == ["1.3", "1.4", "1.5"]
    assert all(line.carried for line in lines)
    for line in lines:
        assert line.record.latest_line_id == line.pk
        assert line.record.lines.count() == 2
    assert done.lines.count() == 1 and dropped.lines.count() == 1


def test_a_carried_open_action_meets_the_action_rule_of_a_low_rating(
    previous_audit, northshire, contributor, cycle
):
    """A 1 confirmed in the next audit is met by the open action carried with it."""
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=contributor)
    theme = themes_of(audit)[0]
    services.theme_save(
        audit=audit,
        theme=theme,
        answers={
            response.item_id: ItemAnswer(rating=1, evidence="", actions=action_lines(response))
            for response in responses_of(audit, theme)
        },
        seen_revisions=seen_revisions(audit, theme),
        by=contributor,
    )
    assert not broken_rules(responses_of(audit, theme))


def test_carried_forward_answers_count_as_unanswered(carried):
    """Until reviewed, every carried answer breaks EveryItemRated and only that rule."""
    breaches = broken_rules(services.audit_responses(carried))
    assert len(breaches) == 34
    assert {breach.rule.code for breach in breaches} == {"unrated"}


def test_carried_forward_audit_cannot_be_submitted_unreviewed(carried, lead):
    """A lead cannot submit an audit whose answers were only carried forward."""
    with pytest.raises(ValidationError) as caught:
        services.audit_submit(audit=carried, by=lead)
    assert caught.value.code == "rules"
    assert _status(carried) == Audit.Status.DRAFT


def test_confirming_carried_forward_answers_clears_the_flag(carried, contributor):
    """theme_save with confirm_carried_forward keeps the answer and clears the flag."""
    theme = themes_of(carried)[1]
    answers = answers_for(carried, theme)
    for answer in answers.values():
        answer.confirm_carried_forward = True
    services.theme_save(
        audit=carried,
        theme=theme,
        answers=answers,
        seen_revisions=seen_revisions(carried, theme),
        by=contributor,
    )
    for response in responses_of(carried, theme):
        assert not response.carried_forward
        assert response.rating == 2
        assert response.evidence == f"Evidence for theme {theme.number}"
        assert response.revision == 1
        assert response.updated_by == contributor
    assert not broken_rules(responses_of(carried, theme))


def test_confirming_carried_forward_actions_keeps_them(carried, contributor):
    """Confirming a carried 1 keeps its action, which then satisfies ActionForLowRatings."""
    theme = themes_of(carried)[0]
    action_ids = set(Action.objects.filter(response__audit=carried).values_list("id", flat=True))
    answers = answers_for(carried, theme)
    for answer in answers.values():
        answer.confirm_carried_forward = True
    services.theme_save(
        audit=carried,
        theme=theme,
        answers=answers,
        seen_revisions=seen_revisions(carried, theme),
        by=contributor,
    )
    assert set(Action.objects.filter(response__audit=carried).values_list("id", flat=True)) == (
        action_ids
    )
    assert not broken_rules(responses_of(carried, theme))


def test_unconfirmed_unchanged_carried_answer_stays_carried(carried, contributor):
    """Saving a carried answer unchanged without confirming it leaves it carried forward."""
    theme = themes_of(carried)[1]
    services.theme_save(
        audit=carried,
        theme=theme,
        answers=answers_for(carried, theme),
        seen_revisions=seen_revisions(carried, theme),
        by=contributor,
    )
    assert all(r.carried_forward and r.revision == 0 for r in responses_of(carried, theme))


def test_changing_a_carried_forward_answer_clears_the_flag(carried, contributor):
    """Changing a carried answer reviews it: the flag clears for that item only."""
    theme = themes_of(carried)[1]
    changed = ItemAnswer(rating=3, evidence="Newer evidence")
    services.theme_save(
        audit=carried,
        theme=theme,
        answers=answers_for(carried, theme, i2_1=changed),
        seen_revisions=seen_revisions(carried, theme),
        by=contributor,
    )
    first, *rest = responses_of(carried, theme)
    assert first.item.ref == "2.1"
    assert (first.rating, first.evidence, first.carried_forward) == (3, "Newer evidence", False)
    assert all(response.carried_forward for response in rest)


def test_without_carry_forward_nothing_is_copied(previous_audit, northshire, lead, cycle):
    """audit_start without carry_forward starts its answers blank even when a previous audit
    exists; only the plan goes on (its open actions, carried)."""
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    assert audit.carried_forward_from is None
    assert not audit.responses.exclude(rating=None).exists()
    assert not audit.responses.exclude(evidence="").exists()
    assert not Action.objects.filter(response__audit=audit, carried=False).exists()


def test_carry_forward_without_previous_audit_starts_blank(northshire, lead, cycle):
    """carry_forward with no earlier audit starts a blank audit."""
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=lead, carry_forward=True)
    assert audit.carried_forward_from is None
    assert not audit.responses.filter(carried_forward=True).exists()


def test_carry_forward_takes_only_the_partnerships_own_audit(
    previous_audit, eastmere, other_lead, cycle
):
    """Another partnership's previous audit is never carried into yours."""
    audit = services.audit_start(
        partnership=eastmere, cycle=cycle, by=other_lead, carry_forward=True
    )
    assert audit.carried_forward_from is None
    assert not audit.responses.exclude(rating=None).exists()


# theme_save


def test_contributor_saves_a_theme(audit, theme, contributor):
    """A contributor's save writes the answers, raises the revision and records who and when."""
    before = timezone.now()
    rate_theme(audit, theme, by=contributor, rating=3, evidence="Case file audit")
    for response in responses_of(audit, theme):
        assert (response.rating, response.evidence) == (3, "Case file audit")
        assert response.revision == 1
        assert response.updated_by == contributor
        assert response.updated_at >= before
        assert not response.carried_forward


def test_only_changed_items_are_written(audit, theme, contributor):
    """Unchanged items keep their revision; the changed one goes up by one each save."""
    _save_one(audit, theme, contributor, rating=2)
    _save_one(audit, theme, contributor, rating=3)
    first, *rest = responses_of(audit, theme)
    assert (first.rating, first.revision) == (3, 2)
    assert all(response.revision == 0 and response.updated_by is None for response in rest)


def test_saving_the_same_answer_again_writes_nothing(audit, theme, contributor, lead):
    """Posting a theme back unchanged leaves revisions and updated_by alone."""
    _save_one(audit, theme, contributor)
    services.theme_save(
        audit=audit,
        theme=theme,
        answers=answers_for(audit, theme),
        seen_revisions=seen_revisions(audit, theme),
        by=lead,
    )
    first = responses_of(audit, theme)[0]
    assert (first.revision, first.updated_by) == (1, contributor)


def test_theme_save_keeps_history_of_who_changed_what(audit, theme, contributor, lead):
    """Each change is in response.history with the person who made it."""
    _save_one(audit, theme, contributor, rating=1, actions=[complete_action()])
    _save_one(audit, theme, lead, rating=2, evidence="Minutes")
    response = responses_of(audit, theme)[0]
    history = list(response.history.order_by("history_date", "history_id"))
    assert [(h.rating, h.evidence, h.history_user) for h in history] == [
        (1, EVIDENCE, contributor),
        (2, "Minutes", lead),
    ]
    assert [h.revision for h in history] == [1, 2]
    action_history = Action.history.filter(response_id=response.pk).order_by("history_id")
    assert [(h.history_type, h.history_user) for h in action_history] == [
        ("+", contributor),
        ("-", lead),
    ]


def test_theme_save_adds_edits_and_removes_actions(audit, theme, contributor):
    """Action lines are created, kept by id and edited, and removed when left out."""
    _save_one(
        audit, theme, contributor, rating=1, actions=[complete_action("A"), complete_action("B")]
    )
    a, b = responses_of(audit, theme)[0].actions.all()
    assert [(a.what, a.order), (b.what, b.order)] == [("A", 0), ("B", 1)]
    edited = ActionLine(id=b.id, what="B edited", owner="Team", due_month=b.due_month)
    _save_one(audit, theme, contributor, rating=1, actions=[edited])
    (only,) = responses_of(audit, theme)[0].actions.all()
    assert (only.id, only.what, only.owner, only.order) == (b.id, "B edited", "Team", 0)
    assert not Action.objects.filter(pk=a.pk).exists()


def test_blank_action_lines_are_ignored(audit, theme, contributor):
    """An action line with neither what nor owner is not saved."""
    blank = ActionLine(what="  ", owner="", due_month=None)
    _save_one(audit, theme, contributor, rating=1, actions=[blank, complete_action()])
    assert [a.what for a in responses_of(audit, theme)[0].actions.all()] == [complete_action().what]


@pytest.mark.parametrize("persona", ["viewer", "panel", "other_lead", "outsider"])
def test_others_cannot_save_a_theme(request, audit, theme, persona):
    """Viewers, Panel staff (who never edit answers), other leads and outsiders are refused."""
    with pytest.raises(PermissionDenied):
        rate_theme(audit, theme, by=request.getfixturevalue(persona))
    assert not Response.objects.filter(audit=audit).exclude(rating=None).exists()


def test_theme_save_refused_on_a_submitted_audit(submitted, contributor, lead):
    """A submitted audit is locked for the partnership until returned."""
    theme = themes_of(submitted)[0]
    with pytest.raises(ValidationError) as caught:
        rate_theme(submitted, theme, by=lead, rating=3)
    assert caught.value.code == "locked"
    assert caught.value.message == "This audit has been submitted and cannot be changed"
    assert not Response.objects.filter(audit=submitted, rating=3).exists()


def test_theme_save_refused_after_accept(submitted, panel, lead):
    """An accepted audit is locked for good."""
    services.audit_accept(audit=submitted, by=panel)
    theme = themes_of(submitted)[0]
    with pytest.raises(ValidationError) as caught:
        rate_theme(submitted, theme, by=lead, rating=3)
    assert caught.value.code == "locked"
    assert caught.value.message == "This audit has been accepted and cannot be changed"
    assert not Response.objects.filter(audit=submitted, rating=3).exists()


def test_theme_save_refused_after_the_cycle_closes(audit, theme, cycle, contributor):
    """Once the cycle closes, its draft audits can no longer change."""
    _close(cycle)
    with pytest.raises(ValidationError) as caught:
        rate_theme(audit, theme, by=contributor)
    assert caught.value.code == "cycle_closed"
    assert not Response.objects.filter(audit=audit).exclude(rating=None).exists()


def test_stale_save_raises_conflict_and_writes_nothing(audit, theme, lead, contributor):
    """Two people read the same revisions; the second save is refused whole, listing changes."""
    read_by_both = seen_revisions(audit, theme)
    first, second, *rest = responses_of(audit, theme)
    # The lead saves a change to the first item.
    services.theme_save(
        audit=audit,
        theme=theme,
        answers=answers_for(audit, theme, i1_1=ItemAnswer(rating=3, evidence="Lead's evidence")),
        seen_revisions=read_by_both,
        by=lead,
    )
    # The contributor, still on the old page, changes every item.
    stale_answers = {
        response.item_id: ItemAnswer(rating=1, evidence="Mine", actions=[complete_action()])
        for response in responses_of(audit, theme)
    }
    with pytest.raises(ThemeConflict) as caught:
        services.theme_save(
            audit=audit,
            theme=theme,
            answers=stale_answers,
            seen_revisions=read_by_both,
            by=contributor,
        )
    assert [response.pk for response in caught.value.responses] == [first.pk]
    assert caught.value.responses[0].updated_by == lead
    assert str(caught.value) == "Someone else has saved this theme since you opened it"
    now = {r.pk: r for r in responses_of(audit, theme)}
    assert (now[first.pk].rating, now[first.pk].evidence, now[first.pk].revision) == (
        3,
        "Lead's evidence",
        1,
    )
    assert all(now[r.pk].rating is None and now[r.pk].revision == 0 for r in [second, *rest])
    assert not Action.objects.filter(response__audit=audit).exists()
    assert not Response.history.filter(audit_id=audit.pk, history_user=contributor).exists()


def test_save_after_reloading_succeeds(audit, theme, lead, contributor):
    """After a conflict, saving again from the fresh revisions works."""
    _save_one(audit, theme, lead, rating=3)
    rate_theme(audit, theme, by=contributor, rating=2)
    assert {r.rating for r in responses_of(audit, theme)} == {2}


def test_other_themes_do_not_conflict(audit, lead, contributor):
    """A save to one theme does not make another theme's page stale."""
    one, two = themes_of(audit)[:2]
    seen_two = seen_revisions(audit, two)
    rate_theme(audit, one, by=lead)
    answers = {r.item_id: ItemAnswer(rating=2, evidence="x") for r in responses_of(audit, two)}
    services.theme_save(
        audit=audit, theme=two, answers=answers, seen_revisions=seen_two, by=contributor
    )
    assert {r.rating for r in responses_of(audit, two)} == {2}


# audit_submit


def test_contributor_cannot_submit(audit, contributor):
    """Only leads submit: a contributor gets PermissionDenied even with every rule met."""
    complete_audit(audit, by=contributor)
    with pytest.raises(PermissionDenied):
        services.audit_submit(audit=audit, by=contributor)
    assert _status(audit) == Audit.Status.DRAFT


@pytest.mark.parametrize("persona", ["viewer", "panel", "other_lead"])
def test_others_cannot_submit(request, audit, lead, persona):
    """Viewers, Panel staff and other partnerships' leads cannot submit."""
    complete_audit(audit, by=lead)
    with pytest.raises(PermissionDenied):
        services.audit_submit(audit=audit, by=request.getfixturevalue(persona))
    assert _status(audit) == Audit.Status.DRAFT


def test_submit_with_broken_rules_is_refused(
    audit, theme, lead, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """A lead cannot submit while any rule is broken; nothing changes and no one is emailed."""
    complete_audit(audit, by=lead)
    _save_one(audit, theme, lead, rating=2, evidence="")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as caught,
    ):
        services.audit_submit(audit=audit, by=lead)
    assert caught.value.code == "rules"
    assert caught.value.message == services.RULES_BROKEN
    assert _status(audit) == Audit.Status.DRAFT
    assert [kind for kind, *_ in _events(audit)] == ["started"]
    assert mailoutbox == []


def test_lead_submits_and_panel_is_emailed(
    audit, lead, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """With every rule met a lead submits: status, SUBMITTED event, and an email to Panel."""
    UserFactory(email="panel2@example.org", is_panel_staff=True)
    UserFactory(email="gone@example.org", is_panel_staff=True, is_active=False)
    complete_audit(audit, by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.audit_submit(audit=audit, by=lead)
    assert result.status == _status(audit) == Audit.Status.SUBMITTED
    assert _events(audit) == [("started", lead.email, ""), ("submitted", lead.email, "")]
    # One email to each active Panel member (GOV.UK Notify sends to one address at a time).
    assert sorted(email.to[0] for email in mailoutbox) == [
        "panel2@example.org",
        "panel@example.org",
    ]
    email = mailoutbox[0]
    assert email.subject == f"{NORTHSHIRE} has submitted its 2026-27 audit"
    assert "lead@northshire.example.org has submitted the 2026-27 audit" in email.body
    assert "/panel/cycles/2026-27/audits/northshire/" in email.body


def test_submit_email_waits_for_commit(audit, lead, panel, mailoutbox):
    """The Panel is emailed only once the submission commits."""
    complete_audit(audit, by=lead)
    services.audit_submit(audit=audit, by=lead)
    assert mailoutbox == []


def test_audit_with_low_ratings_and_actions_can_be_submitted(audit, lead):
    """Ratings of 1 with a complete action meet the rules and can be submitted."""
    complete_audit(audit, by=lead, rating=1, evidence="", actions=[complete_action()])
    assert services.audit_submit(audit=audit, by=lead).status == Audit.Status.SUBMITTED


def test_submitted_audit_cannot_be_submitted_again(submitted, lead):
    """Submitting twice is a ValidationError."""
    with pytest.raises(ValidationError) as caught:
        services.audit_submit(audit=submitted, by=lead)
    assert caught.value.code == "status"
    assert [kind for kind, *_ in _events(submitted)] == ["started", "submitted"]


def test_submit_refused_after_the_cycle_closes(audit, lead, cycle):
    """A complete draft cannot be submitted once its cycle has closed."""
    complete_audit(audit, by=lead)
    _close(cycle)
    with pytest.raises(ValidationError) as caught:
        services.audit_submit(audit=audit, by=lead)
    assert caught.value.code == "cycle_closed"
    assert _status(audit) == Audit.Status.DRAFT


# audit_return


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "other_lead"])
def test_only_panel_returns_an_audit(request, submitted, persona):
    """Anyone but Panel staff gets PermissionDenied, even with a reason."""
    with pytest.raises(PermissionDenied):
        services.audit_return(
            audit=submitted, by=request.getfixturevalue(persona), reason="Add evidence"
        )
    assert _status(submitted) == Audit.Status.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_return_needs_a_reason(submitted, panel, reason):
    """A blank reason is a ValidationError and the audit stays submitted."""
    with pytest.raises(ValidationError) as caught:
        services.audit_return(audit=submitted, by=panel, reason=reason)
    assert caught.value.code == "reason"
    assert caught.value.message == "Enter the reason for returning the audit"
    assert _status(submitted) == Audit.Status.SUBMITTED


def test_panel_returns_with_reason_and_leads_are_emailed(
    submitted, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """Returning sets status, records the event with its reason, and emails only the leads."""
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_return(audit=submitted, by=panel, reason="  Add evidence to 2.1  ")
    assert _status(submitted) == Audit.Status.RETURNED
    assert _events(submitted)[-1] == ("returned", panel.email, "Add evidence to 2.1")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["lead@northshire.example.org"]
    assert email.subject == "Your 2026-27 audit has been returned by the Panel"
    # The reason is free text: it stays in the service, and the email says where to read it.
    assert "Add evidence to 2.1" not in email.body
    assert "/p/northshire/audits/2026-27/" in email.body


def test_returned_audit_can_be_edited_and_resubmitted(submitted, panel, contributor, lead):
    """After a return the partnership edits again and a lead resubmits."""
    services.audit_return(audit=submitted, by=panel, reason="Add evidence to 1.1")
    theme = themes_of(submitted)[0]
    _save_one(submitted, theme, contributor, rating=3, evidence="Better evidence")
    assert responses_of(submitted, theme)[0].evidence == "Better evidence"
    services.audit_submit(audit=submitted, by=lead)
    assert _status(submitted) == Audit.Status.SUBMITTED
    assert [kind for kind, *_ in _events(submitted)] == [
        "started",
        "submitted",
        "returned",
        "submitted",
    ]


@pytest.mark.parametrize("status", ["draft", "returned", "accepted"])
def test_only_submitted_audits_are_returned(audit, panel, status):
    """Returning a draft, returned or accepted audit is a ValidationError."""
    Audit.objects.filter(pk=audit.pk).update(status=status)
    with pytest.raises(ValidationError) as caught:
        services.audit_return(audit=audit, by=panel, reason="Why")
    assert caught.value.code == "status"
    assert _status(audit) == status


# audit_accept


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "other_lead"])
def test_only_panel_accepts_an_audit(request, submitted, persona):
    """Anyone but Panel staff gets PermissionDenied."""
    with pytest.raises(PermissionDenied):
        services.audit_accept(audit=submitted, by=request.getfixturevalue(persona))
    assert _status(submitted) == Audit.Status.SUBMITTED


@pytest.mark.parametrize("status", ["draft", "returned", "accepted"])
def test_only_submitted_audits_are_accepted(audit, panel, status):
    """Accepting a draft, returned or already accepted audit is a ValidationError."""
    Audit.objects.filter(pk=audit.pk).update(status=status)
    with pytest.raises(ValidationError) as caught:
        services.audit_accept(audit=audit, by=panel)
    assert caught.value.code == "status"
    assert caught.value.message == services.NOT_SUBMITTED
    assert _status(audit) == status


def test_panel_accepts_and_leads_are_emailed(
    submitted, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """Accepting sets status, records an ACCEPTED event, and emails the leads."""
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_accept(audit=submitted, by=panel)
    assert _status(submitted) == Audit.Status.ACCEPTED
    assert _events(submitted)[-1] == ("accepted", panel.email, "")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["lead@northshire.example.org"]
    assert mailoutbox[0].subject == "Your 2026-27 audit has been accepted by the Panel"
    assert "/p/northshire/audits/2026-27/report/" in mailoutbox[0].body


def test_accepted_audit_is_locked(submitted, panel, lead):
    """An accepted audit cannot be saved, submitted or returned again."""
    services.audit_accept(audit=submitted, by=panel)
    with pytest.raises(ValidationError):
        rate_theme(submitted, themes_of(submitted)[0], by=lead, rating=3)
    with pytest.raises(ValidationError):
        services.audit_submit(audit=submitted, by=lead)
    with pytest.raises(ValidationError):
        services.audit_return(audit=submitted, by=panel, reason="Second thoughts")
    assert _status(submitted) == Audit.Status.ACCEPTED


def test_leads_of_a_partnership_without_active_leads_get_no_email(
    submitted, lead, panel, mailoutbox, django_capture_on_commit_callbacks
):
    """Inactive leads are not emailed; with no one to tell, no email is sent."""
    lead.is_active = False
    lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_accept(audit=submitted, by=panel)
    assert mailoutbox == []
    assert _status(submitted) == Audit.Status.ACCEPTED


# moderation_save


def _moderations(audit, rating=1, note="Evidence is thin"):
    return moderations_for(audit.responses.order_by("pk")[:3], rating, note)


def test_panel_moderates_a_submitted_audit(submitted, panel):
    """Panel staff set moderated ratings and notes and who and when."""
    moderations = _moderations(submitted, note="  Evidence is thin  ")
    changed = services.moderation_save(audit=submitted, moderations=moderations, by=panel)
    assert changed == 3
    for response in Response.objects.filter(pk__in=moderations):
        assert (response.moderated_rating, response.moderation_note) == (1, "Evidence is thin")
        assert response.moderated_by == panel
        assert response.moderated_at is not None
    assert Response.objects.filter(audit=submitted, moderated_rating=None).count() == 31


def test_moderation_never_changes_the_partnerships_answers(submitted, panel):
    """Moderating leaves rating, evidence, revision and updated_by as the partnership left them."""
    fields = ("pk", "rating", "evidence", "revision", "updated_by", "updated_at", "carried_forward")
    before = list(Response.objects.filter(audit=submitted).order_by("pk").values_list(*fields))
    services.moderation_save(audit=submitted, moderations=_moderations(submitted, 0), by=panel)
    after = list(Response.objects.filter(audit=submitted).order_by("pk").values_list(*fields))
    assert after == before


def test_moderation_unchanged_is_not_counted(submitted, panel):
    """Saving the same moderation twice changes nothing the second time."""
    services.moderation_save(audit=submitted, moderations=_moderations(submitted), by=panel)
    again = _moderations(submitted)
    assert services.moderation_save(audit=submitted, moderations=again, by=panel) == 0


def test_moderation_of_an_accepted_audit_is_allowed(submitted, panel):
    """The Panel may still moderate once it has accepted the audit."""
    services.audit_accept(audit=submitted, by=panel)
    assert (
        services.moderation_save(audit=submitted, moderations=_moderations(submitted), by=panel)
        == 3
    )


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "other_lead"])
def test_only_panel_moderates(request, submitted, persona):
    """Partnership members get PermissionDenied and no moderation is written."""
    with pytest.raises(PermissionDenied):
        services.moderation_save(
            audit=submitted,
            moderations=_moderations(submitted),
            by=request.getfixturevalue(persona),
        )
    assert not Response.objects.exclude(moderated_rating=None).exists()


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_draft_or_returned_audit_cannot_be_moderated(audit, panel, status):
    """A draft or returned audit cannot be moderated."""
    Audit.objects.filter(pk=audit.pk).update(status=status)
    with pytest.raises(ValidationError) as caught:
        services.moderation_save(audit=audit, moderations=_moderations(audit), by=panel)
    assert caught.value.code == "status"
    assert not Response.objects.exclude(moderated_rating=None).exists()


@pytest.mark.parametrize("rating", [-1, 4, 10])
def test_moderated_rating_out_of_range_is_refused(submitted, panel, rating):
    """A moderated rating outside 0-3 is a ValidationError and nothing is written."""
    first, second = submitted.responses.all()[:2]
    moderations = moderations_for([first], 2, "Fine") | moderations_for([second], rating, "High")
    with pytest.raises(ValidationError) as caught:
        services.moderation_save(audit=submitted, moderations=moderations, by=panel)
    assert caught.value.code == "rating"
    assert caught.value.message == "Select a rating from 0 to 3"
    assert not Response.objects.exclude(moderated_rating=None).exists()


def test_moderation_ignores_other_audits_responses(submitted, panel, eastmere, other_lead):
    """Response ids from another audit are not moderated through this one."""
    theirs = submitted_audit(partnership=eastmere, lead=other_lead, cycle=submitted.cycle)
    moderations = moderations_for(theirs.responses.all()[:2], 0, "Not this one")
    assert services.moderation_save(audit=submitted, moderations=moderations, by=panel) == 0
    assert not Response.objects.exclude(moderated_rating=None).exists()


def test_moderation_can_be_cleared(submitted, panel):
    """A moderated rating can be removed again with None and a blank note."""
    moderations = _moderations(submitted)
    services.moderation_save(audit=submitted, moderations=moderations, by=panel)
    cleared = moderations_for(Response.objects.filter(pk__in=moderations), None, "")
    assert services.moderation_save(audit=submitted, moderations=cleared, by=panel) == 3
    assert not Response.objects.exclude(moderated_rating=None).exists()


def test_stale_moderation_is_refused_and_nothing_is_saved(submitted, panel):
    """A moderation read before someone else's save is refused with ModerationConflict
    naming the changed response; the other, unchanged, moderations are not saved either."""
    first, second = submitted.responses.order_by("pk")[:2]
    read_before = moderations_for([first, second], 1, "Mine")
    services.moderation_save(
        audit=submitted, moderations=moderations_for([first], 3, "Theirs"), by=panel
    )
    with pytest.raises(services.ModerationConflict) as caught:
        services.moderation_save(audit=submitted, moderations=read_before, by=panel)
    assert [r.pk for r in caught.value.responses] == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.moderated_rating, first.moderation_note, first.moderation_revision) == (
        3,
        "Theirs",
        1,
    )
    assert (second.moderated_rating, second.moderation_revision) == (None, 0)


def test_moderation_revision_rises_only_on_a_change(submitted, panel):
    """Each change raises the moderation revision by one; saving the same again does not."""
    target = submitted.responses.order_by("pk").first()
    services.moderation_save(audit=submitted, moderations=moderations_for([target]), by=panel)
    services.moderation_save(audit=submitted, moderations=moderations_for([target]), by=panel)
    target.refresh_from_db()
    assert target.moderation_revision == 1
    assert target.history.first().history_user == panel


@pytest.mark.parametrize("decide", ["accept", "return"])
def test_accept_or_return_saves_moderations_in_the_same_transaction(submitted, panel, decide):
    """Accepting or returning with moderations saves them and changes the status together."""
    target = submitted.responses.order_by("pk").first()
    moderations = moderations_for([target], 0, "Not in place")
    if decide == "accept":
        services.audit_accept(audit=submitted, by=panel, moderations=moderations)
    else:
        services.audit_return(audit=submitted, by=panel, reason="See 1.1", moderations=moderations)
    target.refresh_from_db()
    assert (target.moderated_rating, target.moderation_note) == (0, "Not in place")
    assert _status(submitted) == ("accepted" if decide == "accept" else "returned")


@pytest.mark.parametrize("decide", ["accept", "return"])
def test_accept_or_return_with_stale_or_invalid_moderation_changes_nothing(
    submitted, panel, mailoutbox, decide
):
    """A stale or off-scale moderation stops the decision: status, events and moderations
    stay as they were and nobody is emailed."""
    first, second = submitted.responses.order_by("pk")[:2]
    stale = moderations_for([first], 2, "Mine")
    services.moderation_save(audit=submitted, moderations=moderations_for([first], 3), by=panel)
    invalid = moderations_for([second], 7, "Off the scale")
    events = _events(submitted)
    for moderations, error in ((stale, services.ModerationConflict), (invalid, ValidationError)):
        with pytest.raises(error):
            if decide == "accept":
                services.audit_accept(audit=submitted, by=panel, moderations=moderations)
            else:
                services.audit_return(
                    audit=submitted, by=panel, reason="Why", moderations=moderations
                )
        assert _status(submitted) == Audit.Status.SUBMITTED
        assert _events(submitted) == events
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.moderated_rating, second.moderated_rating) == (3, None)
    assert mailoutbox == []


# Saving only what was changed on the page


def _as_shown(audit, theme):
    """Item id -> the answer a page shows now, with its fingerprint, as posted unchanged."""
    return {
        r.item_id: ItemAnswer(
            rating=r.rating,
            evidence=r.evidence,
            actions=[ActionLine(a.what, a.owner, a.due_month, a.id) for a in r.actions.all()],
            shown=services.answer_shown(r),
        )
        for r in responses_of(audit, theme)
    }


def test_theme_save_from_an_old_page_writes_only_the_item_changed(audit, theme, lead, contributor):
    """An item the lead saved since the page was read is left alone when the contributor
    changes another item from that page: no conflict, and the lead's answer survives."""
    page, seen = _as_shown(audit, theme), seen_revisions(audit, theme)
    first, second = responses_of(audit, theme)[:2]
    _save_one(audit, theme, lead, rating=3, evidence="Lead's evidence")
    page[second.item_id].rating, page[second.item_id].evidence = 1, "Contributor's"
    page[second.item_id].actions = [complete_action()]
    services.theme_save(audit=audit, theme=theme, answers=page, seen_revisions=seen, by=contributor)
    now = {r.pk: r for r in responses_of(audit, theme)}
    assert (now[first.pk].rating, now[first.pk].evidence) == (3, "Lead's evidence")
    assert (now[second.pk].rating, now[second.pk].evidence) == (1, "Contributor's")


def test_theme_save_with_an_unknown_fingerprint_is_checked(audit, theme, lead, contributor):
    """A missing or forged fingerprint counts as changed: on a stale item it is refused and
    the lead's answer is not overwritten."""
    page, seen = _as_shown(audit, theme), seen_revisions(audit, theme)
    first = responses_of(audit, theme)[0]
    _save_one(audit, theme, lead, rating=3, evidence="Lead's evidence")
    for forged in (None, "forged"):
        page[first.item_id].shown = forged
        with pytest.raises(ThemeConflict):
            services.theme_save(
                audit=audit, theme=theme, answers=page, seen_revisions=seen, by=contributor
            )
    first.refresh_from_db()
    assert (first.rating, first.evidence) == (3, "Lead's evidence")


def test_moderation_from_an_old_page_writes_only_the_item_changed(submitted, panel):
    """Moderations posted as the page showed them are neither written nor checked: a save
    from an old page changing another item keeps the moderation saved meanwhile."""
    first, second = submitted.responses.order_by("pk")[:2]
    page = {
        r.pk: services.Moderation(
            r.moderated_rating,
            r.moderation_note,
            r.moderation_revision,
            services.moderation_shown(r),
        )
        for r in (first, second)
    }
    services.moderation_save(
        audit=submitted, moderations=moderations_for([first], 3, "Theirs"), by=panel
    )
    page[second.pk].rating, page[second.pk].note = 0, "Mine"
    assert services.moderation_save(audit=submitted, moderations=page, by=panel) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.moderated_rating, first.moderation_note) == (3, "Theirs")
    assert (second.moderated_rating, second.moderation_note) == (0, "Mine")
    page[first.pk].shown = "forged"
    with pytest.raises(services.ModerationConflict):
        services.moderation_save(audit=submitted, moderations=page, by=panel)
