"""Pages for a partnership, its members, the Panel home, sign-in and health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.db import Error, OperationalError, ProgrammingError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import access, selectors, services, signin, two_factor
from .forms import (
    MembershipAddForm,
    MembershipRoleForm,
    PartnershipTwoFactorForm,
    SecondFactorForm,
    SignInForm,
    TwoFactorSetUpForm,
)
from .mixins import PanelStaffMixin, PartnershipMixin
from .models import Membership, Partnership, Region


class StartView(TemplateView):
    template_name = "start.html"


class InformationPageView(TemplateView):
    """The accessibility statement, privacy notice and cookies page: readable by anyone,
    signed in or not, with the settings they describe."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            retention_years=settings.RETENTION_YEARS,
            axes_records_keep_days=settings.AXES_RECORDS_KEEP_DAYS,
            contact_email=settings.CONTACT_EMAIL,
            session_cookie_name=settings.SESSION_COOKIE_NAME,
            session_hours=settings.SESSION_COOKIE_AGE // 3600,
            csrf_cookie_name=settings.CSRF_COOKIE_NAME,
            csrf_cookie_weeks=(settings.CSRF_COOKIE_AGE or 0) // (7 * 86400),
            messages_cookie_name=CookieStorage.cookie_name,
            **kwargs,
        )


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class HomeRedirectView(LoginRequiredMixin, View):
    """After sign-in: Panel staff go to /panel/, members to their (first) partnership."""

    def get(self, request):
        if request.user.is_panel_staff:
            return redirect("panel:home")
        membership = (
            Membership.objects.filter(user=request.user, partnership__active=True)
            .select_related("partnership")
            .order_by("partnership__name")
            .first()
        )
        if membership is None:
            return redirect("partnerships:no_partnership")
        return redirect(membership.partnership)


class NoPartnershipView(LoginRequiredMixin, TemplateView):
    template_name = "partnerships/no_partnership.html"


class PartnershipHomeView(PartnershipMixin, TemplateView):
    template_name = "partnerships/partnership_home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            members=Membership.objects.for_partnership(self.partnership),
            cycle=selectors.current_cycle(self.partnership, today),
            actions=selectors.actions_due(self.partnership, today),
            today=today,
            **kwargs,
        )


class MemberListView(PartnershipMixin, TemplateView):
    template_name = "partnerships/membership_list.html"
    minimum_role = Membership.Role.LEAD

    def get_context_data(self, **kwargs):
        history = (
            Membership.history.filter(partnership_id=self.partnership.pk)
            .select_related("history_user", "user")
            .order_by("-history_date")[:50]
        )
        return super().get_context_data(
            members=Membership.objects.for_partnership(self.partnership),
            history=history,
            **kwargs,
        )


class MemberAddView(PartnershipMixin, FormView):
    template_name = "partnerships/membership_add.html"
    form_class = MembershipAddForm
    minimum_role = Membership.Role.LEAD

    def form_valid(self, form):
        try:
            membership = services.membership_add(
                partnership=self.partnership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=self.request.user,
                site_url=self.request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            form.add_error("email", error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{membership.user.email} has been added as {membership.get_role_display().lower()}"
            " and sent an email",
        )
        return redirect("partnerships:members", slug=self.partnership.slug)


class MembershipObjectMixin(PartnershipMixin):
    minimum_role = Membership.Role.LEAD

    @cached_property
    def membership(self):
        """The membership named in the URL, only within this partnership (else 404)."""
        return get_object_or_404(
            Membership.objects.select_related("user"),
            pk=self.kwargs["pk"],
            partnership=self.partnership,
        )

    def get_success_url(self):
        return reverse("partnerships:members", kwargs={"slug": self.partnership.slug})


class MemberRoleView(MembershipObjectMixin, FormView):
    template_name = "partnerships/membership_role.html"
    form_class = MembershipRoleForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.membership}

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.membership, **kwargs)

    def form_valid(self, form):
        try:
            services.membership_change_role(
                membership=self.membership, role=form.cleaned_data["role"], by=self.request.user
            )
        except ValidationError as error:
            form.add_error("role", error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.membership.user.email}'s role has been changed")
        return redirect(self.get_success_url())


class MemberRemoveView(MembershipObjectMixin, TemplateView):
    template_name = "partnerships/membership_remove.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.membership, **kwargs)

    def post(self, request, *args, **kwargs):
        membership = self.membership
        try:
            services.membership_remove(membership=membership, by=request.user)
        except ValidationError as error:
            message = error.messages[0]
            return self.render_to_response(
                self.get_context_data(error=message, errors=[("remove-button", message)])
            )
        messages.success(request, f"{membership.user.email} has been removed")
        return redirect(self.get_success_url())


class PanelHomeView(PanelStaffMixin, TemplateView):
    template_name = "partnerships/panel_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            regions=Region.objects.all(),
            partnerships=Partnership.objects.with_member_counts()
            .select_related("region")
            .order_by("region__order", "name"),
            **kwargs,
        )


HEALTHZ_OK = "ok"
HEALTHZ_TIMED_OUT = "database did not answer within {seconds:g} seconds"
HEALTHZ_UNAVAILABLE = "database unavailable"
HEALTHZ_TABLE_UNREADABLE = "database answered but the partnerships table cannot be read"
# PostgreSQL's codes for a statement cancelled by statement_timeout and for lock_timeout.
TIMEOUT_SQLSTATES = {"57014", "55P03"}


def _health_problem() -> str | None:
    """Why the database is not healthy, or None. Reads a core table, giving up quickly."""
    timeout_ms = settings.HEALTHZ_TIMEOUT_MS
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # SET LOCAL ends with this transaction, so pages keep their own limits.
                    cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
                    cursor.execute(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
            Partnership.objects.exists()
    except ProgrammingError:
        return HEALTHZ_TABLE_UNREADABLE
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) in TIMEOUT_SQLSTATES:
            return HEALTHZ_TIMED_OUT.format(seconds=timeout_ms / 1000)
        return HEALTHZ_UNAVAILABLE
    except Error:  # any other database error, a closed connection (InterfaceError) too
        return HEALTHZ_UNAVAILABLE
    return None


@never_cache
def healthz(request):
    """Liveness and database check for load balancers: 200 when a core table can be read.

    Answers 503 with the reason, in plain text, within about HEALTHZ_TIMEOUT_MS when the
    database is locked, slow or down.
    """
    problem = _health_problem()
    if problem is not None:
        return HttpResponse(f"{problem}\n", status=503, content_type="text/plain")
    return HttpResponse(f"{HEALTHZ_OK}\n", content_type="text/plain")


# Two-factor sign-in (partnerships/two_factor.py) -------------------------------------------

RECOVERY_CODE_USED = "You signed in with a recovery code. You have {left} left"
TWO_FACTOR_SET_UP_DONE = "Two-factor sign-in is set up"
TWO_FACTOR_RULE_SAVED = {
    True: "Every member must now use two-factor sign-in",
    False: "Members may now choose whether to use two-factor sign-in",
}


def _next_url(request, default="partnerships:home_redirect"):
    """Where to go after a two-factor step: the `next` asked for if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


@method_decorator(never_cache, name="dispatch")
class SecondFactorView(LoginRequiredMixin, FormView):
    """Sign-in's second step: a code from the authenticator app or a recovery code.

    Each attempt counts against the account in django-axes before it is checked, like a
    password; the limit reached, the person is signed out and shown the locked-out page.
    """

    template_name = "two_factor/verify.html"
    form_class = SecondFactorForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.is_verified():
            return redirect(_next_url(request))
        if not two_factor.has_second_factor(request.user):
            return redirect(f"{reverse('two_factor_set_up')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request, user = self.request, self.request.user
        if not signin.code_attempt_allowed(request, user):
            logout(request)
            return signin.locked_out_response(request)
        device = two_factor.second_factor_check(user=user, code=form.cleaned_data["code"])
        if device is None:
            if signin.code_failed(request, user):
                logout(request)
                return signin.locked_out_response(request)
            form.wrong_code()
            return self.form_invalid(form)
        otp_login(request, device)
        request.session.pop(two_factor.SESSION_KEY, None)
        signin.second_factor_passed(user)
        if isinstance(device, StaticDevice):
            left = two_factor.recovery_codes_left(user)
            messages.warning(request, RECOVERY_CODE_USED.format(left=left))
        return redirect(_next_url(request))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)


@method_decorator(never_cache, name="dispatch")
class TwoFactorSetUpView(LoginRequiredMixin, FormView):
    """Set up an authenticator app: its secret as text and a QR code, confirmed with a code.

    Someone with an app already must give a code from it first (to replace it).
    """

    template_name = "two_factor/set_up.html"
    form_class = TwoFactorSetUpForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if two_factor.has_second_factor(request.user) and not request.user.is_verified():
            return redirect(f"{reverse('login_verify')}?{request.GET.urlencode()}")
        self.device = two_factor.totp_device_start(request=request)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        codes = two_factor.totp_device_confirm(
            request=self.request, device=self.device, code=form.cleaned_data["code"]
        )
        if codes is None:
            form.wrong_code()
            return self.form_invalid(form)
        self.request.session[two_factor.NEW_CODES_SESSION_KEY] = codes
        messages.success(self.request, TWO_FACTOR_SET_UP_DONE)
        query = urlencode({"next": _next_url(self.request)})
        return redirect(f"{reverse('two_factor_recovery_codes')}?{query}")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            secret=two_factor.secret_in_groups(self.device),
            qr_code=two_factor.qr_code_svg(self.device),
            required=access.second_factor_required(self.request.user),
            replacing=two_factor.has_second_factor(self.request.user),
            next=_next_url(self.request),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(LoginRequiredMixin, TemplateView):
    """New recovery codes, shown once: just after set-up, or made again on request."""

    template_name = "two_factor/recovery_codes.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (request.user.is_verified() and two_factor.has_second_factor(request.user)):
            return redirect("two_factor")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(two_factor.NEW_CODES_SESSION_KEY, None)
        return self.render_to_response(self.get_context_data(codes=codes))

    def post(self, request, *args, **kwargs):
        # Shown by the GET that follows, once, like the codes made at set-up.
        request.session[two_factor.NEW_CODES_SESSION_KEY] = two_factor.recovery_codes_make(
            user=request.user
        )
        return redirect(f"{reverse('two_factor_recovery_codes')}?{request.GET.urlencode()}")

    def get_context_data(self, *, codes=None, **kwargs):
        return super().get_context_data(
            codes=[two_factor.recovery_code_in_groups(c) for c in codes or []],
            left=two_factor.recovery_codes_left(self.request.user),
            next=_next_url(self.request),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class TwoFactorAccountView(LoginRequiredMixin, TemplateView):
    """A person's own two-factor sign-in: whether it is on, required, and what to do."""

    template_name = "two_factor/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            has_second_factor=two_factor.has_second_factor(user),
            required=access.second_factor_required(user),
            left=two_factor.recovery_codes_left(user),
            **kwargs,
        )


class PartnershipTwoFactorView(PartnershipMixin, FormView):
    """A lead chooses whether every member of the partnership needs a second factor."""

    template_name = "two_factor/partnership.html"
    form_class = PartnershipTwoFactorForm
    minimum_role = Membership.Role.LEAD

    def get_initial(self):
        return {"requires_two_factor": "yes" if self.partnership.requires_two_factor else "no"}

    def form_valid(self, form):
        required = form.cleaned_data["requires_two_factor"]
        two_factor.partnership_two_factor_set(
            partnership=self.partnership, required=required, by=self.request.user
        )
        messages.success(self.request, TWO_FACTOR_RULE_SAVED[required])
        return redirect("partnerships:two_factor", slug=self.partnership.slug)
