"""Querysets that decide which partnerships and memberships a person may see."""

from django.db import models


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Partnerships the user may read: all for Panel staff, their own active ones for members.

        A partnership that has been turned off is gone for its members, exactly like one
        that does not exist. Panel staff still see it, for its past audits.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_panel_staff:
            return self.all()
        return self.filter(active=True, memberships__user=user).distinct()

    def with_member_counts(self):
        """Annotate each partnership with `member_count`, counted in the database."""
        return self.annotate(member_count=models.Count("memberships", distinct=True))


class MembershipQuerySet(models.QuerySet):
    def for_partnership(self, partnership):
        """Memberships of one partnership with their users, leads first then by email."""
        role = self.model.Role
        rank = models.Case(
            models.When(role=role.LEAD, then=0),
            models.When(role=role.CONTRIBUTOR, then=1),
            default=2,
        )
        return (
            self.filter(partnership=partnership)
            .select_related("user")
            .order_by(rank, "user__email")
        )

    def leads(self):
        """Memberships with the lead role."""
        return self.filter(role=self.model.Role.LEAD)
