"""URLs under /panel/ for national Panel staff; config/urls.py joins them with other apps' into
the `panel` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.PanelHomeView.as_view(), name="home"),
]
