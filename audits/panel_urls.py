"""Audit pages under /panel/, included into the panel namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("cycles/", views.CycleListView.as_view(), name="cycles"),
    path("cycles/new/", views.CycleCreateView.as_view(), name="cycle_new"),
    path(
        "cycles/<str:cycle>/audits/<slug:slug>/",
        views.PanelAuditView.as_view(),
        name="audit",
    ),
    path("actions/", views.PanelActionsView.as_view(), name="actions"),
]
