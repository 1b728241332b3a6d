"""Values every template needs: the service name and the signed-in person's partnerships."""

from django.conf import settings

from .models import Membership


def service(request):
    user = getattr(request, "user", None)
    memberships = Membership.objects.none()
    if user is not None and user.is_authenticated:
        # A lazy queryset: it only runs on pages whose navigation lists partnerships.
        memberships = (
            # Panel staff belong to no partnership (access.role_in), whatever rows remain.
            Membership.objects.filter(
                user=user, user__is_panel_staff=False, partnership__active=True
            )
            .select_related("partnership")
            .order_by("partnership__name")
        )
    return {"service_name": settings.SERVICE_NAME, "nav_memberships": memberships}
