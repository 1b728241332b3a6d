"""The means stored with an audit (audits.models.AuditMean): written by the services on
every change that makes an audit count or changes what it counts, and always equal to a
live average of its answers."""

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count, F, Q

from audits import means, services
from audits.models import Audit, AuditMean, Response
from audits.services import Moderation

from .factories import CycleFactory, complete_audit, rate_theme, start_audit, themes_of


def live_means(audit) -> dict:
    """{theme number or None: (own mean, own count, moderated mean, moderated count, gap
    mean, gap count)} averaged by the database from the audit's answers now."""
    own = Q(rating__isnull=False, carried_forward=False)
    moderated = Q(moderated_rating__isnull=False)
    aggregates = {
        "own": Avg("rating", filter=own),
        "own_n": Count("id", filter=own),
        "moderated": Avg("moderated_rating", filter=moderated),
        "moderated_n": Count("id", filter=moderated),
        "gap": Avg(F("rating") - F("moderated_rating"), filter=own & moderated),
        "gap_n": Count("id", filter=own & moderated),
    }
    responses = Response.objects.filter(audit=audit).order_by()
    result = {
        row.pop("theme"): tuple(row.values())
        for row in responses.values(theme=F("item__theme__number")).annotate(**aggregates)
    }
    result[None] = tuple(responses.aggregate(**aggregates).values())
    return result


def stored_means(audit) -> dict:
    return {
        row.theme_number: (
            row.own_mean,
            row.own_count,
            row.moderated_mean,
            row.moderated_count,
            row.gap_mean,
            row.gap_count,
        )
        for row in AuditMean.objects.filter(audit=audit)
    }


def assert_stored_equal_live(audit):
    stored, live = stored_means(audit), live_means(audit)
    assert set(stored) == set(live)
    for theme, figures in live.items():
        assert stored[theme] == pytest.approx(figures), theme


@pytest.fixture
def answered(northshire, lead):
    """Northshire's audit, answered in full: theme 1 rated 3, the rest 2; not submitted."""
    audit = complete_audit(start_audit(partnership=northshire, by=lead), by=lead)
    rate_theme(audit, themes_of(audit)[0], by=lead, rating=3)
    return audit


def moderate(audit, by, ratings: dict[int, int | None]):
    """Set moderated ratings (keyed by response id) through services.moderation_save."""
    responses = Response.objects.filter(pk__in=ratings)
    return services.moderation_save(
        audit=audit,
        moderations={
            r.pk: Moderation(rating=ratings[r.pk], note="", revision=r.moderation_revision)
            for r in responses
        },
        by=by,
    )


def first_responses(audit, count):
    return list(
        Response.objects.filter(audit=audit).order_by("item__theme__number", "item__order")
    )[:count]


def test_a_draft_has_no_stored_means(answered):
    assert not AuditMean.objects.filter(audit=answered).exists()


def test_submitting_stores_each_themes_mean_and_the_overall_one(answered, lead):
    """Submitted: a row per theme and one for all themes, equal to the live averages; theme 1
    is 3.0 and the overall mean is the mean of every item, not of the theme means."""
    services.audit_submit(audit=answered, by=lead)
    assert_stored_equal_live(answered)
    stored = stored_means(answered)
    assert len(stored) == len(themes_of(answered)) + 1
    assert stored[1][:2] == (3.0, 5)
    total = Response.objects.filter(audit=answered).count()
    assert stored[None][:2] == ((5 * 3 + (total - 5) * 2) / total, total)
    assert stored[None][2:] == (None, 0, None, 0)  # nothing moderated yet


def test_moderation_rewrites_the_stored_means(answered, lead, panel):
    """Each moderation of a submitted audit stores the means again: moderated and gap means
    count only the moderated items, and a moderation removed leaves them."""
    submitted = services.audit_submit(audit=answered, by=lead)
    one, two, three = first_responses(submitted, 3)
    moderate(submitted, panel, {one.pk: 1, two.pk: 2, three.pk: 3})
    assert_stored_equal_live(submitted)
    assert stored_means(submitted)[None][2:] == ((1 + 2 + 3) / 3, 3, (2 + 1 + 0) / 3, 3)
    moderate(submitted, panel, {one.pk: None})
    assert_stored_equal_live(submitted)
    assert stored_means(submitted)[None][2:] == (2.5, 2, 0.5, 2)


def test_accepting_with_moderations_stores_them(answered, lead, panel):
    submitted = services.audit_submit(audit=answered, by=lead)
    (one,) = first_responses(submitted, 1)
    services.audit_accept(
        audit=submitted,
        by=panel,
        moderations={one.pk: Moderation(rating=0, note="", revision=one.moderation_revision)},
    )
    assert Audit.objects.get(pk=submitted.pk).status == Audit.Status.ACCEPTED
    assert_stored_equal_live(submitted)
    assert stored_means(submitted)[None][3:] == (1, 3.0, 1)  # own 3 less moderated 0


def test_moderating_an_accepted_audit_stores_the_means_again(answered, lead, panel):
    submitted = services.audit_submit(audit=answered, by=lead)
    services.audit_accept(audit=submitted, by=panel)
    (one,) = first_responses(submitted, 1)
    moderate(submitted, panel, {one.pk: 2})
    assert_stored_equal_live(submitted)
    assert stored_means(submitted)[1][2:] == (2.0, 1, 1.0, 1)


def test_a_returned_audit_has_no_means_until_it_is_submitted_again(answered, lead, panel):
    """Returning removes the stored means, moderations saved on the way included; the
    resubmitted audit stores them again from its changed answers."""
    submitted = services.audit_submit(audit=answered, by=lead)
    (one,) = first_responses(submitted, 1)
    services.audit_return(
        audit=submitted,
        by=panel,
        reason="Add evidence to 1.1",
        moderations={one.pk: Moderation(rating=1, note="", revision=one.moderation_revision)},
    )
    assert not AuditMean.objects.filter(audit=submitted).exists()
    returned = Audit.objects.get(pk=submitted.pk)
    rate_theme(returned, themes_of(returned)[1], by=lead, rating=3)
    services.audit_submit(audit=returned, by=lead)
    assert_stored_equal_live(returned)
    assert stored_means(returned)[2][:2] == (3.0, len(themes_of(returned)[1].items.all()))


def test_another_audit_keeps_its_own_means(answered, lead, eastmere, other_lead, panel):
    """Storing one audit's means never touches another's."""
    theirs = start_audit(partnership=eastmere, by=other_lead, cycle=answered.cycle)
    theirs = complete_audit(theirs, by=other_lead)
    services.audit_submit(audit=theirs, by=other_lead)
    before = stored_means(theirs)
    services.audit_submit(audit=answered, by=lead)
    services.audit_return(audit=answered, by=panel, reason="Why")
    assert stored_means(theirs) == before


def test_carried_forward_answers_nobody_reviewed_are_left_out_of_own_means():
    """The rule of audits/means.py: an unreviewed carried-forward rating counts for neither
    the own mean nor the gap, though its moderated rating counts."""
    totals = means.tally([(1, 3, False, 1), (1, 0, True, 2), (2, None, False, None)])
    assert totals[1] == {
        "own_sum": 3,
        "own_count": 1,
        "moderated_sum": 3,
        "moderated_count": 2,
        "gap_sum": 2,
        "gap_count": 1,
    }
    assert totals[2]["own_count"] == totals[2]["moderated_count"] == 0
    assert totals[None]["own_count"] == 1 and totals[None]["moderated_count"] == 2


def test_store_audit_means_command_stores_audits_written_directly(northshire):
    """Audits written without the services (the demo data) get their means from the
    command; a draft gets none."""
    cycle = CycleFactory()
    audit = Audit.objects.create(partnership=northshire, cycle=cycle, status="accepted")
    items = [item for theme in cycle.version.themes.all() for item in theme.items.all()]
    Response.objects.bulk_create(
        Response(audit=audit, item=item, rating=index % 4, moderated_rating=1)
        for index, item in enumerate(items)
    )
    assert not AuditMean.objects.exists()
    call_command("store_audit_means", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_stored_equal_live(audit)
    Audit.objects.filter(pk=audit.pk).update(status="draft")
    call_command("store_audit_means", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not AuditMean.objects.exists()
