"""Every change to a partnership's agencies and their answers. Each runs in a transaction
and records who and when; who may do what is asked of partnerships.access."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from audits import selectors as audit_selectors
from audits import services as audit_services
from audits.models import Audit, Response, Theme
from partnerships import access
from partnerships.models import Membership, Partnership

from .models import STATUTORY_AGENCIES, Agency, AgencyAnswer, AgencyMember

NAME_REQUIRED = "Enter the agency's name"
NAME_TOO_LONG = "The agency's name must be 100 characters or fewer"
NAME_TAKEN = "There is already an agency called {name}"
STATUTORY_NOT_REMOVABLE = "{name} is a statutory partner. It can be renamed but not removed"
HAS_ANSWERS = "{name} has given answers in an audit, so it cannot be removed"
NOT_THIS_PARTNERSHIP = "Choose an agency of this partnership"


@dataclass
class AgencyItemAnswer:
    rating: int | None
    evidence: str


class AgencyConflict(Exception):
    """Raised when an agency's answers changed since the person loaded the page."""

    def __init__(self, answers):
        super().__init__("Someone else has saved this agency's answers since you opened them")
        self.answers = answers


def _require_lead(partnership: Partnership, by) -> None:
    if not access.can_manage_agencies(access.role_in(by, partnership)):
        raise PermissionDenied


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(NAME_REQUIRED, code="required")
    if len(name) > 100:
        raise ValidationError(NAME_TOO_LONG, code="max_length")
    return name


def _save_named(agency: Agency, by) -> Agency:
    agency._history_user = by
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        raise ValidationError(NAME_TAKEN.format(name=agency.name), code="taken") from None
    return agency


@transaction.atomic
def agencies_ensure_defaults(partnership: Partnership) -> list[Agency]:
    """The partnership's agencies, first making the three statutory partners if it has no
    agency yet. Safe to call again and again: it makes them once."""
    Partnership.objects.select_for_update().filter(pk=partnership.pk).first()
    agencies = list(Agency.objects.filter(partnership=partnership))
    if not agencies:
        agencies = Agency.objects.bulk_create(
            Agency(partnership=partnership, name=name, statutory=True, order=order)
            for order, name in enumerate(STATUTORY_AGENCIES)
        )
    return agencies


@transaction.atomic
def agency_add(*, partnership: Partnership, name: str, by) -> Agency:
    """A lead adds an agency to the partnership, after the others."""
    _require_lead(partnership, by)
    agencies_ensure_defaults(partnership)
    last = Agency.objects.filter(partnership=partnership).aggregate(last=Max("order"))["last"]
    agency = Agency(partnership=partnership, name=_clean_name(name), order=(last or 0) + 1)
    return _save_named(agency, by)


@transaction.atomic
def agency_rename(*, agency: Agency, name: str, by) -> Agency:
    """A lead renames an agency, statutory ones too."""
    _require_lead(agency.partnership, by)
    agency.name = _clean_name(name)
    return _save_named(agency, by)


@transaction.atomic
def agency_remove(*, agency: Agency, by) -> None:
    """A lead removes an agency that is not statutory and has given no answers."""
    _require_lead(agency.partnership, by)
    if agency.statutory:
        raise ValidationError(STATUTORY_NOT_REMOVABLE.format(name=agency.name), code="statutory")
    if AgencyAnswer.objects.filter(agency=agency).exists():
        raise ValidationError(HAS_ANSWERS.format(name=agency.name), code="has_answers")
    agency._history_user = by
    agency.delete()


@transaction.atomic
def agency_member_set(*, membership: Membership, agency: Agency | None, by) -> None:
    """A lead attaches a member to one of the partnership's agencies, or (None) detaches them."""
    _require_lead(membership.partnership, by)
    if agency is not None and agency.partnership_id != membership.partnership_id:
        raise ValidationError(NOT_THIS_PARTNERSHIP, code="agency")
    current = AgencyMember.objects.filter(membership=membership).first()
    if agency is None:
        if current is not None:
            current._history_user = by
            current.delete()
        return
    if current is None:
        current = AgencyMember(membership=membership)
    current.agency = agency
    current._history_user = by
    current.save()


def attached_agency_id(user, partnership: Partnership) -> int | None:
    """The agency the user is attached to in this partnership, if any."""
    return (
        AgencyMember.objects.filter(membership__user=user, membership__partnership=partnership)
        .values_list("agency_id", flat=True)
        .first()
    )


def ensure_may_answer(*, audit: Audit, agency: Agency, by) -> None:
    """Refuse unless `by` may answer for the agency in this audit now (PermissionDenied, or
    ValidationError when the audit is locked or its cycle closed)."""
    if agency.partnership_id != audit.partnership_id:
        raise PermissionDenied
    role = access.role_in(by, audit.partnership)
    attached = attached_agency_id(by, audit.partnership)
    if not access.can_answer_for_agency(role, attached_agency_id=attached, agency_id=agency.pk):
        raise PermissionDenied
    audit_services.ensure_audit_editable(audit=audit, by=by)


@transaction.atomic
def agency_answers_save(
    *,
    audit: Audit,
    agency: Agency,
    theme: Theme,
    answers: dict[int, AgencyItemAnswer],
    seen_revisions: dict[int, int],
    by,
) -> list[AgencyAnswer]:
    """Save one agency's answers to one theme's items (keyed by item id), refusing
    (AgencyConflict) if any answer the person changed was saved by someone else since the
    page was read. Unchanged answers are left alone; each write raises the revision."""
    audit = (
        Audit.objects.select_for_update(of=("self",))
        .select_related("cycle", "partnership")
        .get(pk=audit.pk)
    )
    ensure_may_answer(audit=audit, agency=agency, by=by)
    responses = list(Response.objects.filter(audit=audit, item__theme=theme).select_related("item"))
    levels = audit_selectors.scale_levels(audit.cycle.version_id)
    allowed = {level.value for level in levels}
    if any(a.rating is not None and a.rating not in allowed for a in answers.values()):
        raise ValidationError(audit_services.rating_invalid(levels), code="rating")
    stored = {
        a.response_id: a
        for a in AgencyAnswer.objects.select_for_update().filter(
            agency=agency, response__in=responses
        )
    }
    changed, stale = [], []
    for response in responses:
        answer = answers.get(response.item_id)
        if answer is None:
            continue
        current = stored.get(response.pk)
        if current is None:
            if answer.rating is None and not answer.evidence:
                continue
            current = AgencyAnswer(response=response, agency=agency)
        if current.rating == answer.rating and current.evidence == answer.evidence:
            continue
        if seen_revisions.get(response.item_id, 0) != current.revision:
            stale.append(current)
        changed.append((current, answer))
    if stale:
        raise AgencyConflict(stale)
    now = timezone.now()
    saved = []
    for current, answer in changed:
        current.rating = answer.rating
        current.evidence = answer.evidence
        current.revision += 1
        current.updated_by = by
        current.updated_at = now
        current._history_user = by
        current.save()
        saved.append(current)
    return saved
