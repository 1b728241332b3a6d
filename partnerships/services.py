"""Changes to partnership membership. Each runs in a transaction and records who and when."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Message
from notifications.services import message_queue

from .models import PANEL_STAFF_CANNOT_JOIN, Membership, Partnership, RestrictedView, User

ALREADY_MEMBER = "{email} is already a member of this partnership"
LAST_LEAD = "A partnership must keep at least one lead. Make someone else a lead first"
NO_LONGER_MEMBER = "{email} is no longer a member of this partnership"


def _with_history_user(membership: Membership, by: User) -> Membership:
    membership._history_user = by
    return membership


def _lock_partnership(partnership_id: int) -> Partnership:
    """Lock the partnership row until the transaction ends.

    Every change to who belongs to a partnership takes this lock first, so two leads
    demoting or removing each other at once run one after the other, and the second sees
    what the first did when it checks that a lead remains.
    """
    return Partnership.objects.select_for_update().get(pk=partnership_id)


def set_password_url(*, user: User, site_url: str) -> str:
    """An absolute link with which the user sets a (new) password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return site_url.rstrip("/") + path


def _user_for_email(*, email: str, by: User) -> tuple[User, bool]:
    """The account with this (normalised) email, created without a password if there is none."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    try:
        with transaction.atomic():
            user = User(email=email)
            user.set_unusable_password()
            user._history_user = by
            user.save()
    except IntegrityError:  # someone added the same person elsewhere a moment ago
        return User.objects.get(email=email), False
    return user, True


@transaction.atomic
def membership_add(
    *, partnership: Partnership, email: str, role: str, by: User, site_url: str
) -> Membership:
    """Add a person to a partnership by email, creating their account if new, and tell them.

    Panel staff moderate every partnership's answers, so they may not belong to one.
    """
    _lock_partnership(partnership.pk)
    email = User.objects.normalize_email(email).strip().lower()
    user, created = _user_for_email(email=email, by=by)
    if user.is_panel_staff:
        raise ValidationError(PANEL_STAFF_CANNOT_JOIN.format(email=email), code="panel_staff")
    if Membership.objects.filter(user=user, partnership=partnership).exists():
        raise ValidationError(ALREADY_MEMBER.format(email=email), code="already_member")
    membership = _with_history_user(Membership(user=user, partnership=partnership, role=role), by)
    membership.save()
    message_queue(
        kind=Message.Kind.MEMBER_ADDED,
        to_address=email,
        user=user,
        partnership=partnership,
        personalisation={
            "partnership": partnership.name,
            "role": membership.get_role_display(),
            "added_by": by.email,
            "new_account": "yes" if created else "no",
            "link": set_password_url(user=user, site_url=site_url)
            if created
            else site_url.rstrip("/") + partnership.get_absolute_url(),
        },
    )
    return membership


def _ensure_a_lead_remains(membership: Membership) -> None:
    if membership.role != Membership.Role.LEAD:
        return
    other_leads = (
        Membership.objects.filter(partnership=membership.partnership)
        .leads()
        .exclude(pk=membership.pk)
    )
    if not other_leads.exists():
        raise ValidationError(LAST_LEAD, code="last_lead")


def _locked_membership(membership: Membership) -> Membership | None:
    """The membership as stored now, its partnership locked first; None once it is gone."""
    _lock_partnership(membership.partnership_id)
    return Membership.objects.select_related("user").filter(pk=membership.pk).first()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role, keeping at least one lead in the partnership."""
    current = _locked_membership(membership)
    if current is None:
        raise ValidationError(
            NO_LONGER_MEMBER.format(email=membership.user.email), code="not_member"
        )
    membership = current
    if role == membership.role:
        return membership
    if role != Membership.Role.LEAD:
        _ensure_a_lead_remains(membership)
    membership.role = role
    _with_history_user(membership, by).save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a person from a partnership (their account stays), keeping at least one lead.

    Removing someone another lead has just removed does nothing more.
    """
    membership = _locked_membership(membership)
    if membership is None:
        return
    _ensure_a_lead_remains(membership)
    _with_history_user(membership, by).delete()


# The record of restricted views -----------------------------------------------------------

MAX_RECORDED_TEXT = 1000


def _recordable(value):
    """A value as it can be kept in any database's JSON: text without NUL characters, cut to
    a bounded length, lists and mappings of such text."""
    if isinstance(value, dict):
        return {_recordable(str(key)): _recordable(item) for key, item in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_recordable(item) for item in list(value)[:200]]
    if value is None or isinstance(value, bool | int):
        return value
    return str(value).replace("\x00", "")[:MAX_RECORDED_TEXT]


@transaction.atomic
def restricted_view_record(
    *, user: User, path: str, filters: dict, summary: str = ""
) -> RestrictedView:
    """Record that `user` read a restricted page at `path` with these filters, now."""
    return RestrictedView.objects.create(
        user=user,
        email=user.email,
        path=_recordable(path)[:500],
        filters=_recordable(filters),
        summary=_recordable(summary),
    )
