"""Agencies of a partnership, who may answer for one, and saving an agency's answers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies import services
from agencies.models import STATUTORY_AGENCIES, Agency, AgencyAnswer
from audits.models import Audit
from partnerships.models import Membership
from tests.audits.factories import complete_audit, responses_of, start_audit, themes_of

from .factories import agencies_of, answer_as_agency, attach, health, police


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


@pytest.fixture
def theme(audit):
    return themes_of(audit)[0]


def test_the_statutory_partners_are_made_once(northshire):
    """The three statutory partners are made on first need, and again asks make no more."""
    agencies_of(northshire)
    agencies_of(northshire)
    names = list(Agency.objects.filter(partnership=northshire).values_list("name", flat=True))
    assert names == list(STATUTORY_AGENCIES)
    assert Agency.objects.filter(partnership=northshire, statutory=True).count() == 3


def test_a_lead_adds_and_renames_agencies(northshire, lead):
    """A lead adds an agency after the statutory ones and renames a statutory one."""
    added = services.agency_add(partnership=northshire, name="  Education   trust ", by=lead)
    assert added.name == "Education trust"
    assert list(agencies_of(northshire))[-1] == "Education trust"
    services.agency_rename(agency=police(northshire), name="Northshire Police", by=lead)
    assert "Northshire Police" in agencies_of(northshire)


def test_names_are_unique_whatever_the_case(northshire, lead):
    """A second agency called "police" is refused with a clear message."""
    agencies_of(northshire)
    with pytest.raises(ValidationError, match="There is already an agency called police"):
        services.agency_add(partnership=northshire, name="police", by=lead)


def test_only_leads_manage_agencies(northshire, contributor):
    """A contributor cannot add an agency."""
    with pytest.raises(PermissionDenied):
        services.agency_add(partnership=northshire, name="Schools", by=contributor)


def test_statutory_agencies_are_never_removed(northshire, lead):
    """Removing the police is refused: it is a statutory partner."""
    with pytest.raises(ValidationError, match="statutory partner"):
        services.agency_remove(agency=police(northshire), by=lead)


def test_an_agency_with_answers_cannot_be_removed(northshire, lead, audit, theme):
    """An agency that answered in an audit stays; one without answers can be removed."""
    schools = services.agency_add(partnership=northshire, name="Schools", by=lead)
    unused = services.agency_add(partnership=northshire, name="Probation", by=lead)
    answer_as_agency(audit, schools, theme, by=lead, ratings=2)
    with pytest.raises(ValidationError, match="has given answers"):
        services.agency_remove(agency=schools, by=lead)
    services.agency_remove(agency=unused, by=lead)
    assert "Probation" not in agencies_of(northshire)


def test_a_contributor_answers_only_for_their_agency(northshire, lead, contributor, audit, theme):
    """A contributor attached to the police answers for the police but not for health."""
    attach(contributor, northshire, police(northshire), by=lead)
    saved = answer_as_agency(audit, police(northshire), theme, by=contributor, ratings=1)
    assert {a.rating for a in saved} == {1} and len(saved) == len(responses_of(audit, theme))
    with pytest.raises(PermissionDenied):
        answer_as_agency(audit, health(northshire), theme, by=contributor, ratings=1)


def test_a_contributor_without_an_agency_answers_for_none(northshire, contributor, audit, theme):
    """A contributor attached to no agency answers for none of them."""
    with pytest.raises(PermissionDenied):
        answer_as_agency(audit, police(northshire), theme, by=contributor, ratings=1)


def test_a_lead_answers_for_any_agency(northshire, lead, audit, theme):
    """A lead, attached to no agency, answers for health."""
    answer_as_agency(audit, health(northshire), theme, by=lead, ratings=3)
    assert AgencyAnswer.objects.filter(agency__name__startswith="Health", rating=3).exists()


def test_viewers_never_answer(northshire, lead, viewer, audit, theme):
    """A viewer attached to the police still cannot answer for it."""
    attach(viewer, northshire, police(northshire), by=lead)
    with pytest.raises(PermissionDenied):
        answer_as_agency(audit, police(northshire), theme, by=viewer, ratings=1)


def test_another_partnerships_lead_cannot_answer(northshire, other_lead, audit, theme):
    """Eastmere's lead cannot answer for Northshire's police."""
    with pytest.raises(PermissionDenied):
        answer_as_agency(audit, police(northshire), theme, by=other_lead, ratings=1)


def test_a_submitted_audit_takes_no_agency_answers(northshire, lead, audit, theme):
    """Once the audit is submitted the agencies' answers are locked too."""
    from audits import services as audit_services

    complete_audit(audit, by=lead)
    audit_services.audit_submit(audit=audit, by=lead)
    with pytest.raises(ValidationError, match="submitted"):
        answer_as_agency(audit, police(northshire), theme, by=lead, ratings=1)


def test_a_stale_answer_is_refused(northshire, lead, contributor, audit, theme):
    """A save based on an older revision of an answer is refused and changes nothing."""
    attach(contributor, northshire, police(northshire), by=lead)
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings=2)
    first = responses_of(audit, theme)[0]
    with pytest.raises(services.AgencyConflict):
        services.agency_answers_save(
            audit=audit,
            agency=police(northshire),
            theme=theme,
            answers={first.item_id: services.AgencyItemAnswer(rating=0, evidence="")},
            seen_revisions={first.item_id: 0},
            by=contributor,
        )
    assert AgencyAnswer.objects.get(response=first).rating == 2


def test_an_agency_answer_leaves_the_partnerships_own_alone(northshire, lead, audit, theme):
    """The partnership's rating is unchanged when an agency answers, and keeps its history."""
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings=3)
    assert {r.rating for r in responses_of(audit, theme)} == {None}
    answer = AgencyAnswer.objects.filter(response__audit=audit).first()
    assert answer.history.first().history_user == lead and answer.revision == 1
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DRAFT


def test_members_of_another_partnership_cannot_be_attached(northshire, eastmere, lead, other_lead):
    """An Eastmere lead cannot attach their member to a Northshire agency."""
    membership = Membership.objects.get(user=other_lead)
    with pytest.raises(ValidationError):
        services.agency_member_set(membership=membership, agency=police(northshire), by=other_lead)
