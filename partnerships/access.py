"""The one place that decides who may see and do what.

A partnership someone may not see is answered exactly like one that does not exist
(404). A partnership they may see but an action their role does not allow answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Partnership

Role = Membership.Role

# Each role may do everything the roles below it may.
ROLE_RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.LEAD: 3}


def get_partnership_for_user(user, slug: str) -> Partnership:
    """The active partnership with this slug if the user may read it, else Http404.

    Every /p/<slug>/ page comes through here. A partnership that has been turned off
    answers 404 for everyone, Panel staff too; the Panel still reads its past audits
    under /panel/, which looks partnerships up by itself.
    """
    try:
        return (
            Partnership.objects.visible_to(user)
            .filter(active=True)
            .select_related("region")
            .get(slug=slug)
        )
    except Partnership.DoesNotExist:
        raise Http404("No such partnership") from None


def memberships_of(request) -> list[Membership]:
    """The signed-in person's memberships of active partnerships, by partnership name, each
    with its partnership (and region) and `current_cycle`, the name of the newest cycle
    opened by today (for the header's Audit link).

    One query, made once per request and kept on it: a /p/<slug>/ page's access check
    (partnership_and_role) and the header's links (context_processors.service) share it.
    Panel staff belong to no partnership (role_in), so theirs is empty, without a query.
    """
    memberships = getattr(request, "_memberships_of_user", None)
    if memberships is None:
        user = request.user
        if not (user.is_authenticated and user.is_active) or user.is_panel_staff:
            memberships = []
        else:
            from django.db.models import Subquery
            from django.utils import timezone

            from audits.models import Cycle  # audits depends on partnerships, not the other way

            current_cycle = Subquery(
                Cycle.objects.filter(opens_on__lte=timezone.localdate())
                .order_by("-opens_on")
                .values("name")[:1]
            )
            memberships = list(
                Membership.objects.filter(user=user, partnership__active=True)
                .select_related("partnership__region")
                .annotate(current_cycle=current_cycle)
                .order_by("partnership__name")
            )
        request._memberships_of_user = memberships
    return memberships


def partnership_and_role(request, slug: str) -> tuple[Partnership, str | None]:
    """The partnership of a /p/<slug>/ page and the person's role in it, decided exactly as
    get_partnership_for_user and role_in decide (404 for a partnership they may not read).

    A member's come from memberships_of(request), the query the page's header needs anyway,
    so a member's page asks nothing more; Panel staff's partnership is looked up as before.
    """
    user = request.user
    if user.is_authenticated and not user.is_panel_staff:
        for membership in memberships_of(request):
            if membership.partnership.slug == slug:
                return membership.partnership, membership.role
        raise Http404("No such partnership")
    partnership = get_partnership_for_user(user, slug)
    return partnership, role_in(user, partnership)


def role_in(user, partnership: Partnership) -> str | None:
    """The user's role in the partnership, or None when they are not a member.

    Panel staff have no role anywhere, even if a membership row exists (say one made
    before they became Panel staff): they moderate answers, so they never edit them.
    """
    if not user.is_authenticated or user.is_panel_staff:
        return None
    return (
        Membership.objects.filter(user=user, partnership=partnership)
        .values_list("role", flat=True)
        .first()
    )


def has_role(role: str | None, minimum: str) -> bool:
    """Whether a member's role is at least `minimum` (lead > contributor > viewer)."""
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role(minimum)]


def can_edit(role: str | None) -> bool:
    """Contributors and leads edit their partnership's drafts; viewers and Panel staff do not."""
    return has_role(role, Role.CONTRIBUTOR)


def can_update_actions(role: str | None) -> bool:
    """Contributors and leads record their partnership's action progress at any time, after
    the audit was submitted or accepted too; viewers and Panel staff read it only."""
    return can_edit(role)


def can_lead(role: str | None) -> bool:
    """Only leads submit audits, mark reviews complete and manage members."""
    return has_role(role, Role.LEAD)


def can_change_record(role: str | None, *, finished: bool) -> bool:
    """Contributors and leads change drafts; once a record is finished only a lead may."""
    return can_edit(role) and (not finished or can_lead(role))


def require_role(role: str | None, minimum: str) -> None:
    """Raise PermissionDenied unless the member's role is at least `minimum`."""
    if not has_role(role, minimum):
        raise PermissionDenied


def require_panel_staff(user) -> None:
    """Raise PermissionDenied unless the user is national Panel staff."""
    if not (user.is_authenticated and user.is_active and user.is_panel_staff):
        raise PermissionDenied


def can_read_sent_messages(user) -> bool:
    """Only national Panel staff read the list of emails sent (it shows people's addresses)."""
    return bool(user.is_authenticated and user.is_active and user.is_panel_staff)


# Review figures and records -------------------------------------------------------------
#
# Three kinds of figure about reviews (docs/disclosure.md): a partnership's own, in full, on
# its own screens; restricted figures, unperturbed, for Panel staff on the restricted
# analysis pages, every view recorded; and published figures, for everyone else and in
# every file.


def can_use_restricted_analysis(user) -> bool:
    """Only national Panel staff read restricted (unperturbed) figures across partnerships."""
    return bool(user.is_authenticated and user.is_active and user.is_panel_staff)


def require_restricted_analysis(user) -> None:
    """Raise PermissionDenied (403) unless the user may read the restricted analysis."""
    if not can_use_restricted_analysis(user):
        raise PermissionDenied


def sees_kept_evidence(user) -> bool:
    """The figures an audit kept from its partnership's reviews are restricted figures: on the
    Panel's audit page, for whoever may use the restricted analysis, every view recorded."""
    return can_use_restricted_analysis(user)


def can_publish_review_figures(user) -> bool:
    """Publishing a closed year's review statistics (once, for everyone) is for Panel staff."""
    return bool(user.is_authenticated and user.is_active and user.is_panel_staff)


def require_publisher(user) -> None:
    """Raise PermissionDenied (403) unless the user may publish review statistics."""
    if not can_publish_review_figures(user):
        raise PermissionDenied


def sees_own_review_figures(role: str | None) -> bool:
    """A partnership's own review counts, in full and on screen only, are for its members.
    Panel staff have no role, so they never see one partnership's counts this way."""
    return role is not None


def can_read_review_records(role: str | None) -> bool:
    """A partnership's record-level review pages are for its members only. Panel staff are
    answered as any non-member (404): their route to reviews is the restricted analysis."""
    return role is not None


def second_factor_required(user) -> bool:
    """Whether the person must sign in with a second factor: Panel staff and superusers
    always, and members of any active partnership that requires it (Partnership.
    requires_two_factor). Anyone else may set one up and is then asked for it too."""
    if not user.is_authenticated:
        return False
    if user.is_panel_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, partnership__active=True, partnership__requires_two_factor=True
    ).exists()


def second_factor_missing(user, partnership: Partnership) -> bool:
    """Whether a partnership's page needs a second factor this session has not given: for a
    partnership that requires one (turned on after the person signed in, say)."""
    return partnership.requires_two_factor and not user.is_verified()


def can_set_two_factor_rule(role: str | None) -> bool:
    """Only a partnership's leads choose whether its members need a second factor."""
    return can_lead(role)


# Partner agencies (agencies/) ------------------------------------------------------------


def can_manage_agencies(role: str | None) -> bool:
    """Only a partnership's leads add, rename and remove its agencies and attach members."""
    return can_lead(role)


def can_answer_for_agency(role: str | None, *, attached_agency_id, agency_id) -> bool:
    """Who may give an agency's own rating and evidence in an audit: a contributor or lead
    attached to that agency, or any lead of the partnership (for any of its agencies).
    Viewers and Panel staff never do. Whether the audit takes changes now is asked apart
    (audits.services.ensure_audit_editable, Audit.takes_changes_on)."""
    if can_lead(role):
        return True
    return can_edit(role) and attached_agency_id is not None and attached_agency_id == agency_id
