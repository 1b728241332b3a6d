"""View mixins that apply the access rules of partnerships/access.py to class-based views."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from . import access, two_factor


class PartnershipMixin(LoginRequiredMixin):
    """Loads `self.partnership` from the URL's slug and the user's `self.role` in it.

    Anyone who may not read the partnership gets 404; a member whose role is below
    `minimum_role` gets 403. Panel staff may read every partnership (minimum_role None)
    but have no role in it, so they never pass a role check.
    """

    minimum_role: str | None = None
    partnership_url_kwarg = "slug"
    # Record-level review pages: members only; anyone else, Panel staff too, gets 404.
    review_records = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partnership, self.role = access.partnership_and_role(
            request, kwargs[self.partnership_url_kwarg]
        )
        if access.second_factor_missing(request.user, self.partnership):
            # Required since this person signed in: ask for it now (two_factor middleware).
            request.session[two_factor.SESSION_KEY] = True
            return two_factor.second_factor_redirect(request)
        if self.review_records and not access.can_read_review_records(self.role):
            raise Http404("No such partnership")
        if self.minimum_role is not None:
            access.require_role(self.role, self.minimum_role)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            partnership=self.partnership,
            role=self.role,
            can_edit=access.can_edit(self.role),
            can_lead=access.can_lead(self.role),
            can_read_reviews=access.can_read_review_records(self.role),
            can_use_restricted_analysis=access.can_use_restricted_analysis(self.request.user),
        )
        return context


class PanelStaffMixin(LoginRequiredMixin):
    """Only national Panel staff; everyone else signed in gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        access.require_panel_staff(request.user)
        return super().dispatch(request, *args, **kwargs)


class RestrictedAnalysisMixin(LoginRequiredMixin):
    """The restricted analysis pages: national Panel staff only; anyone else signed in gets
    403 (partnerships.access.require_restricted_analysis)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        access.require_restricted_analysis(request.user)
        return super().dispatch(request, *args, **kwargs)
