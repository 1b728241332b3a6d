"""Changes to partnership membership. Each runs in a transaction and records who and when."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Membership, Partnership, User

ALREADY_MEMBER = "{email} is already a member of this partnership"
LAST_LEAD = "A partnership must keep at least one lead. Make someone else a lead first"


def _with_history_user(membership: Membership, by: User) -> Membership:
    membership._history_user = by
    return membership


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


@transaction.atomic
def membership_add(
    *, partnership: Partnership, email: str, role: str, by: User, site_url: str
) -> Membership:
    """Add a person to a partnership by email, creating their account if new, and tell them."""
    email = User.objects.normalize_email(email).strip().lower()
    user, created = User.objects.get_or_create(email=email)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Membership.objects.filter(user=user, partnership=partnership).exists():
        raise ValidationError(ALREADY_MEMBER.format(email=email), code="already_member")
    membership = _with_history_user(Membership(user=user, partnership=partnership, role=role), by)
    membership.save()
    context = {
        "partnership": partnership,
        "role": membership.get_role_display(),
        "added_by": by,
        "new_account": created,
        "link": set_password_url(user=user, site_url=site_url)
        if created
        else site_url.rstrip("/") + partnership.get_absolute_url(),
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You have been added to {partnership.name}",
            message=render_to_string("partnerships/emails/member_added.txt", context),
            from_email=None,
            recipient_list=[email],
        )
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


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role, keeping at least one lead in the partnership."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role == membership.role:
        return membership
    if role != Membership.Role.LEAD:
        _ensure_a_lead_remains(membership)
    membership.role = role
    _with_history_user(membership, by).save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a person from a partnership (their account stays), keeping at least one lead."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _ensure_a_lead_remains(membership)
    _with_history_user(membership, by).delete()
