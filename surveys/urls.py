from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("survey/<str:token>/", views.SurveyAnswerView.as_view(), name="answer"),
    path("survey/<str:token>/thanks/", views.SurveyThanksView.as_view(), name="thanks"),
    path("p/<slug:slug>/surveys/<str:cycle>/", views.SurveyResultsView.as_view(), name="results"),
    path(
        "p/<slug:slug>/surveys/<str:cycle>/export.csv",
        views.SurveyExportView.as_view(),
        name="export_csv",
    ),
]
