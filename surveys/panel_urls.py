"""Survey pages under /panel/, included into the panel namespace."""

from django.urls import path

from . import views

urlpatterns = [path("surveys/", views.PanelSurveysView.as_view(), name="surveys")]
