"""URLs under /panel/ for national Panel staff; later apps add theirs beside these."""

from django.urls import path

from . import views

app_name = "panel"

urlpatterns = [
    path("", views.PanelHomeView.as_view(), name="home"),
]
