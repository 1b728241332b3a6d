from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audits import panel_urls as audits_panel
from dashboards import panel_urls as dashboards_panel
from notifications import panel_urls as notifications_panel
from partnerships import panel_urls as partnerships_panel
from partnerships import views as partnership_views
from partnerships.forms import ChoosePasswordForm, PasswordResetRequestForm
from surveys import panel_urls as surveys_panel

# /panel/ gathers the Panel's pages of every app under one namespace.
panel_urlpatterns = (
    partnerships_panel.urlpatterns
    + audits_panel.urlpatterns
    + dashboards_panel.urlpatterns
    + notifications_panel.urlpatterns
    + surveys_panel.urlpatterns
)

urlpatterns = [
    path("", partnership_views.StartView.as_view(), name="start"),
    path("healthz", partnership_views.healthz, name="healthz"),
    path(
        "accessibility/",
        partnership_views.InformationPageView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "privacy/",
        partnership_views.InformationPageView.as_view(template_name="pages/privacy.html"),
        name="privacy",
    ),
    path(
        "cookies/",
        partnership_views.InformationPageView.as_view(template_name="pages/cookies.html"),
        name="cookies",
    ),
    path("accounts/login/", partnership_views.SignInView.as_view(), name="login"),
    path(
        "accounts/login/verify/", partnership_views.SecondFactorView.as_view(), name="login_verify"
    ),
    path(
        "accounts/two-factor/", partnership_views.TwoFactorAccountView.as_view(), name="two_factor"
    ),
    path(
        "accounts/two-factor/set-up/",
        partnership_views.TwoFactorSetUpView.as_view(),
        name="two_factor_set_up",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        partnership_views.RecoveryCodesView.as_view(),
        name="two_factor_recovery_codes",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=ChoosePasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("panel/", include((panel_urlpatterns, "panel"))),
    path("", include("partnerships.urls")),
    path("", include("audits.urls")),
    path("", include("agencies.urls")),
    path("", include("reviews.urls")),
    path("", include("dashboards.urls")),
    path("", include("surveys.urls")),
]

# A database failure outside a view still answers the 503 page; anything else the 500 page.
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
