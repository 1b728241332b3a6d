from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("p/<slug:slug>/dashboard/", views.PartnershipDashboardView.as_view(), name="dashboard"),
    path(
        "p/<slug:slug>/dashboard/export.<str:format>",
        views.PartnershipDashboardView.as_view(),
        name="export",
    ),
]
