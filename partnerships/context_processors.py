"""Values every template needs: the service name and the signed-in person's partnerships."""

from django.conf import settings

from .models import Membership


def service(request):
    user = getattr(request, "user", None)
    memberships = Membership.objects.none()
    # Panel staff belong to no partnership (partnerships/access.py role_in).
    if user is not None and user.is_authenticated and not user.is_panel_staff:
        # A lazy queryset: it only runs on pages whose navigation lists partnerships.
        memberships = (
            Membership.objects.filter(user=user, partnership__active=True)
            .select_related("partnership")
            .order_by("partnership__name")
        )
    return {"service_name": settings.SERVICE_NAME, "nav_memberships": memberships}
