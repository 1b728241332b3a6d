from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("home/", views.HomeRedirectView.as_view(), name="home_redirect"),
    path("no-partnership/", views.NoPartnershipView.as_view(), name="no_partnership"),
    path("p/<slug:slug>/", views.PartnershipHomeView.as_view(), name="home"),
    path("p/<slug:slug>/members/", views.MemberListView.as_view(), name="members"),
    path("p/<slug:slug>/members/add/", views.MemberAddView.as_view(), name="member_add"),
    path(
        "p/<slug:slug>/two-factor/",
        views.PartnershipTwoFactorView.as_view(),
        name="two_factor",
    ),
    path(
        "p/<slug:slug>/members/<int:pk>/role/", views.MemberRoleView.as_view(), name="member_role"
    ),
    path(
        "p/<slug:slug>/members/<int:pk>/remove/",
        views.MemberRemoveView.as_view(),
        name="member_remove",
    ),
]
