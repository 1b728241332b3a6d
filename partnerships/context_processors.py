"""Values every template needs: the service name, the signed-in person's partnerships and the
service navigation for the partnership of the page they are on."""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import access
from .models import Membership


def _page_slug(request) -> str | None:
    """The partnership slug of the page being shown, when its URL names one (/p/<slug>/...)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    slug = match.kwargs.get("slug")
    return slug if isinstance(slug, str) and request.path.startswith("/p/") else None


def _nav_membership(request, memberships):
    """The membership whose partnership the header's links are for: the partnership of the
    page, else the person's only one; None on other pages of someone in several."""
    slug = _page_slug(request)
    if slug is not None:
        return next((m for m in memberships if m.partnership.slug == slug), None)
    return memberships[0] if len(memberships) == 1 else None


def _item(request, label, url, *, section=True, hidden=""):
    """One link of the service navigation; `current` is "page" on its own page, "true" on a
    page within its section (GOV.UK service navigation's two kinds of active item)."""
    if request.path == url:
        current = "page"
    elif section and request.path.startswith(url):
        current = "true"
    else:
        current = None
    return {"label": label, "hidden": hidden, "url": url, "current": current}


def _nav_items(request, user, memberships):
    """The header's links: the Panel's pages for Panel staff; for a member, the pages of the
    partnership they are on (or their only one); else one link to each of their partnerships."""
    if user.is_panel_staff:
        return [
            _item(request, "Panel home", reverse("panel:home"), section=False),
            _item(request, "Cycles", reverse("panel:cycles")),
            _item(request, "Compare", reverse("panel:compare")),
            _item(request, "Review statistics", reverse("panel:reviews")),
            _item(request, "Analysis", reverse("panel:analysis")),
        ]
    membership = _nav_membership(request, memberships)
    if membership is None:
        return [
            _item(request, m.partnership.name, m.partnership.get_absolute_url())
            for m in memberships
        ]
    slug = membership.partnership.slug
    # Someone in several partnerships hears which one the links are for.
    hidden = f" of {membership.partnership.name}" if len(memberships) > 1 else ""
    audit_url = (
        reverse("audits:task_list", kwargs={"slug": slug, "cycle": membership.current_cycle})
        if membership.current_cycle
        else reverse("audits:index", kwargs={"slug": slug})
    )
    items = [
        _item(request, "Home", membership.partnership.get_absolute_url(), section=False),
        _item(request, "Audit", audit_url),
        _item(request, "Reviews", reverse("reviews:list", kwargs={"slug": slug})),
        _item(request, "Dashboard", reverse("dashboards:dashboard", kwargs={"slug": slug})),
    ]
    # Every audit page is within Audit, whichever cycle the link goes to.
    audits_root = reverse("audits:index", kwargs={"slug": slug})
    if items[1]["current"] is None and request.path.startswith(audits_root):
        items[1]["current"] = "true"
    if membership.role == Membership.Role.LEAD:
        items.append(
            _item(request, "Members", reverse("partnerships:members", kwargs={"slug": slug}))
        )
    for item in items:
        item["hidden"] = hidden
    return items


def service(request):
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    # The person's memberships (access.memberships_of): one query per request, shared with
    # the page's own access check, and only on pages that show the header's links or list
    # the person's partnerships. Panel staff have none, and no query is made for them.
    memberships = SimpleLazyObject(lambda: access.memberships_of(request) if signed_in else [])
    return {
        "service_name": settings.SERVICE_NAME,
        "nav_memberships": memberships,
        "nav_items": SimpleLazyObject(lambda: _nav_items(request, user, memberships)),
    }
