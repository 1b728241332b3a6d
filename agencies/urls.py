from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("p/<slug:slug>/agencies/", views.AgencyListView.as_view(), name="list"),
    path("p/<slug:slug>/agencies/<int:pk>/", views.AgencyChangeView.as_view(), name="change"),
    path(
        "p/<slug:slug>/audits/<str:cycle>/themes/<int:number>/agencies/<int:pk>/",
        views.AgencyAnswerView.as_view(),
        name="answer",
    ),
]
